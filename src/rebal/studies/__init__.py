"""Study files: a set of policies run on one dataset, with costs, flows and taxes."""
