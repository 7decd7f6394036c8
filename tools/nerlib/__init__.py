"""Shared pieces of the BertNER Python tools: CRF, model + bundle writer, data handling."""
