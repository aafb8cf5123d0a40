"""The county's published lists: create (bureau staff), read, print and download (everyone)."""
