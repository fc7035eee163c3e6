"""The AWS Secrets Manager secrets tests register (``firehose.secret``, ``POST
/_fake/secret``) for HTTP endpoint destinations to read ahead of moto's Secrets Manager,
and the names and ARNs Secrets Manager takes.

Facts used here (the Secrets Manager API reference, CreateSecret and GetSecretValue): a
secret's name is 1 to 512 ASCII letters, digits and ``/_+=.@-``; its ARN is
``arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX``, six random characters
added after a hyphen. A ``SecretId`` is the name, the complete ARN, or a partial ARN (the
ARN without ``-XXXXXX``); an ARN whose end is a hyphen followed by six characters is taken
for a complete one, so it finds only the secret of exactly that ARN.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from pytest_firehose._arns import partition_of, resource_arn

#: CreateSecret's name rule (the model's NameType: 1 to 512 characters).
NAME = re.compile(r"[A-Za-z0-9/_+=.@-]{1,512}")
#: A Secrets Manager secret's ARN, complete or partial.
ARN = re.compile(
    r"arn:(?P<partition>[a-z-]+):secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12})"
    r":secret:(?P<tail>.+)"
)
#: The end Secrets Manager reads as a complete ARN's: the name, a hyphen, six characters.
COMPLETE = re.compile(r"(?P<name>.+)-[A-Za-z0-9]{6}")
#: The longest SecretString Secrets Manager stores (the model's SecretStringType).
MAX_VALUE = 65536
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@dataclass
class Secret:
    """One registered secret: its name, its complete ARN, its current SecretString."""

    name: str
    arn: str
    value: str


def suffix(region: str, account_id: str, name: str) -> str:
    """The six characters after a registered secret's name in its ARN: drawn from the
    secret's place and name, so a registration makes the same ARN in every run."""
    digest = hashlib.sha256(f"{region}/{account_id}/{name}".encode()).digest()
    return "".join(_SUFFIX[byte % len(_SUFFIX)] for byte in digest[:6])


class Secrets:
    """The secrets tests registered in one region, by account and name."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        self._secrets: dict[tuple[str, str], Secret] = {}

    def register(self, name: str, value: str, *, account_id: str, arn: str | None) -> Secret:
        """Store ``value`` as the secret ``name`` of ``account_id``, with the complete
        ``arn`` given (None: the fake makes one). A secret of that name held already gets
        the new value (a rotation), and keeps its ARN unless another is given. Returns the
        secret."""
        held = self._secrets.get((account_id, name))
        if held is not None and arn in (None, held.arn):
            held.value = value
            return held
        if arn is None:
            tail = f"{name}-{suffix(self.region, account_id, name)}"
            arn = resource_arn("secretsmanager", self.region, account_id, f"secret:{tail}")
        secret = self._secrets[(account_id, name)] = Secret(name, arn, value)
        return secret

    def find(self, secret_id: str) -> Secret | None:
        """The registered secret GetSecretValue in this region finds by ``secret_id`` (a
        name, or a complete or partial ARN), or None."""
        match = ARN.fullmatch(secret_id)
        if match is None:
            return self._secrets.get((self.account_id, secret_id))
        if match["region"] != self.region or match["partition"] != partition_of(self.region):
            return None
        for secret in self._secrets.values():
            if secret.arn == secret_id:
                return secret
        if COMPLETE.fullmatch(match["tail"]):  # taken for a complete ARN: found only above
            return None
        return self._secrets.get((match["account"], match["tail"]))

    def value(self, secret_id: str) -> str | None:
        """The SecretString of the registered secret ``secret_id`` finds, or None."""
        found = self.find(secret_id)
        return None if found is None else found.value

    def names(self) -> list[str]:
        """Every registered secret's name, in the order first registered."""
        return [secret.name for secret in self._secrets.values()]
