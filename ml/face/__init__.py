"""Faces: detection with 5 landmarks, FFHQ-style alignment, the face-shape latent.

* :mod:`ml.face.detect` -- MTCNN (our nets in :mod:`ml.archs.mtcnn`, built-in MIT weights in
  ``resources/models/face``): ``detect_faces(image) -> list[Face]`` (largest first),
  ``detect_face(image, region=None) -> Face`` (the largest, or the one in a region; raises
  ``FaceNotFound`` / ``FaceTooSmall``).
* :mod:`ml.face.align` -- ``align_face(image, face.points, size) -> AlignedFace`` (an
  FFHQ-framed crop and its similarity matrix) and ``paste_back(image, crop, aligned)``
  (the feathered inverse warp; untouched pixels stay bit-identical).
* :mod:`ml.face.shape` -- ``FaceShapeModel`` (id ``"face-shape"``): named geometric
  directions (smile, mouth width, eye size, nose width, face width, jaw width, chin
  length, head roll) applied as a smooth local warp of the full-resolution photo inside
  a feathered face mask. It cannot change age, glasses, hair or texture (``LIMITS``).

No Qt, no editor imports; torch is imported only when the detector runs.
"""
