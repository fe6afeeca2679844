"""Machine learning on the warehouse: features, models and their evaluation."""
