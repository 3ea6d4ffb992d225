"""Helpers shared by the tests and the benchmarks, never by the application (it is not installed: see
``[tool.setuptools.packages.find]``; import-linter forbids the application packages to import it).

* :mod:`testkit.synthetic`: the seeded generator of large, realistic model snapshots (pure Python);
* :mod:`testkit.demo`: the demo model created through the services;
* :mod:`testkit.browser`: the Chromium that browser tests, browser benchmarks and screenshots launch;
* :mod:`testkit.servers`: real PostgreSQL, redis-server, gunicorn and Celery worker processes on free ports.
"""
