"""The editable vocabularies (技术领域, 镇区, 梯度): models.py and operations.py; their pages are
under admin/."""
