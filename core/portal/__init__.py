"""The partner portal: the asset library with co-branding, announcements, requests to the
channel team and joint business plans."""
