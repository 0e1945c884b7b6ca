"""GNN recommender: export the consented interaction graph, train LightGCN, evaluate,
publish artifacts. Trainer-side only (imports torch); the API reads artifacts through
`recmodel.artifact_format`, which needs numpy alone."""
