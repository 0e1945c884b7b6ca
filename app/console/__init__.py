"""The web console at /console, one feature in one folder: server-rendered pages (Jinja2 +
htmx) over the services. routes/ holds its routes (thin, typed dependencies from
app/api/deps.py like the JSON routes), *_view.py the page view-models, templates/ and static/
the rest; `app.console.install.install_console(app)` mounts it. This package import stays
light: nothing is imported here.
"""
