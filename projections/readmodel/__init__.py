"""SQLAlchemy read models: tables indexed on valid and record time, their writer and their queries."""
