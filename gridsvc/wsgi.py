"""WSGI entry point: ``gridsvc.wsgi:app``, served by Granian (gridsvc/serving.py).

``web=True``: its database connections carry the web statement timeout (gridsvc/dblimits.py).
"""

import gc

from gridsvc import create_app

app = create_app(web=True)

# Everything the imports and the app made lives as long as the worker: moved out of the
# collector's sight, it is never scanned again. A full collection of those ~250,000 objects held
# the GIL for ~300 ms on the loaded 2-core machine, and every request thread of the worker waited
# (bench/publish.py saw lookups of 0.3-0.75 s before, during and after an index swap).
gc.collect()
gc.freeze()
