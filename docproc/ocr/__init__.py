"""OCR engines: tesseract (subprocess, one wrapper) and the PP-OCR ONNX models shipped by RapidOCR."""
