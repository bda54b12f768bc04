"""What cuts across every domain area: database, tenancy, permissions, audit, forms, i18n."""
