"""NN Designer: design, check and train neural networks."""
__version__ = "0.1.0"
APP_NAME = "NN Designer"
