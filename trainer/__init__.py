"""The trainer: read the consented interaction graph, train LightGCN, search and build the
graph filters, evaluate, publish artifacts through `recmodel`. Imports torch (the `train`
extra) except on the build-model path; nothing in the service imports it but the CLI."""
