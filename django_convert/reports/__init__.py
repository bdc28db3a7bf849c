"""Read-only reports over Bucketing and Conversion: the experiment report and its statistics."""
