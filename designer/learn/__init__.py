"""The arithmetic behind the Learn mode (issue 7), Qt-free so that tests and the command line can
use it: the backprop stepper's tables (``backprop``), the course's computational-graph example
(``graph``), the perceptron and delta rules on 2-D points (``perceptron``), the written-out shape
and parameter formulas of a layer (``shape``), and the activation functions with their derivatives
and remarks (``activations``). The Qt views live in ``designer/ui/learn/``."""
