"""Offerings (Angebote): Elterncafé, Babyclub, Hausaufgabenhilfe …"""
