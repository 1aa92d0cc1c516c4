"""jixiao (绩效): performance assessment and exemplar selection."""
