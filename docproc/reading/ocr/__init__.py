"""OCR engines: tesseract (one subprocess wrapper) and the PP-OCR ONNX models from RapidOCR."""
