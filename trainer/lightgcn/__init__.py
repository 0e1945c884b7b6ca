"""LightGCN (torch, PyG): the graph, the model, BPR sampling and the training loop."""
