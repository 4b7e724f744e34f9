"""The image store: artwork files at the paths API records use, their thumbnails, demo art."""
