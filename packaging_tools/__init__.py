"""How tcapi's folders become installable distributions.

``layout`` is shared by ``setup.py`` (the full ``tcapi``, ``pip install .``) and
``dists`` (the slim ``tcapi-core`` and ``tcapi-<service>`` wheels, ``nox -s build``);
``sizes`` prints their wheel sizes beside the official SDK's. Nothing here is
installed: it runs from a source checkout.
"""
