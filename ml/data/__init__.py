"""Training data: image folders, synthetic data sets, packaged photos.

* :mod:`ml.data.image_folder` reads any folder of images into a square, fixed-size
  uint8 array (centre crop + resize) with clear errors for unusable folders;
* :mod:`ml.data.cartoon_faces` draws synthetic cartoon faces with known attributes
  (the data the built-in latent model is trained on) and writes them as a folder with a
  ``labels.csv``;
* :mod:`ml.data.labels` reads and writes that ``labels.csv`` format;
* :mod:`ml.data.sr_photos` lists the permissively licensed photos in Debian's
  lomiri-wallpapers-16.04 package and reads them straight out of the ``.deb`` (extra
  super-resolution training and held-out photos).

Nothing here imports torch; arrays are numpy.
"""
