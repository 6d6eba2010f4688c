"""Faces: detection with 5 landmarks, FFHQ-style alignment, the face-shape latent."""
