"""The console's routes, one module per page group; app/console/install.py mounts them."""
