"""No tables of its own (django-axes and django-otp keep theirs); this module makes Django send
this app post_migrate, which creates the database cache table (apps.py)."""
