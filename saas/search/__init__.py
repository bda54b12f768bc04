"""One search page per tenant across offices, offerings, areas and activities."""
