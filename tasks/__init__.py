"""doit task definitions: one module per stage; they only wire files to `osddl` functions."""
