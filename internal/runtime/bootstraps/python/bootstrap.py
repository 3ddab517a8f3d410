"""Entry point of hako's runtime client for the python3.x Lambda runtimes.

The client itself is hako_runtime/bootstrap.py, loaded here through Python's
bytecode cache (hako_runtime/__pycache__/) so that a cold start does not
recompile it: the interpreter always compiles the script it runs from source.
"""

import sys
from importlib.machinery import SourceFileLoader
from os.path import dirname, join

_path = join(dirname(__file__), "hako_runtime", "bootstrap.py")
_loader = SourceFileLoader("_hako_bootstrap", _path)
_module = type(sys)("_hako_bootstrap")
_module.__file__ = _path
_module.__loader__ = _loader
sys.modules["_hako_bootstrap"] = _module
_loader.exec_module(_module)
del _path, _loader
_module.main()
