"""Text and entities: page OCR, visual-zone and form fields, cross-checks, extract records."""
