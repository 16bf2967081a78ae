"""regionwalk: exact enumeration of the linear regions of ReLU networks."""
