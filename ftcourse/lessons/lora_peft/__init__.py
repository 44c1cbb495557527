# Its notebook fine-tunes a model: grading it in the gpu profile asks a cluster for a GPU (backends.py).
FINE_TUNES = True
