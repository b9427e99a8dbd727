"""Development commands that span the whole workspace; shipped in no image."""
