"""The web console at /console: server-rendered pages (Jinja2 + htmx) over the services.

`app.api.console_install.install_console(app)` mounts it; this package import stays light so the
composition root can import the session store without the pages.
"""
