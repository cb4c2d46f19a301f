from .autoattack import AutoAttack
