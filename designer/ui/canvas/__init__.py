"""The canvas: a QGraphicsScene of layer blocks joined by arrows, and the view that edits it."""
