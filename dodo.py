"""osddl task graph: `doit list` is the operator's menu. The graph is tasks/graph.py (also what the
installed `osddl` command runs); task logic lives in tasks/ and osddl/."""

from tasks.graph import *  # noqa: F403
from tasks.graph import __all__  # noqa: F401
