"""The application: storage wiring, the service (:class:`ledger.service.Ledger`) and the ``ledger`` CLI."""
