"""Reference implementations used only by tests: slow, plain versions that the fast code must agree with."""
