from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.models import User
from maintenance.transfer import TransferError, transfer_apply, transfer_plan


def _user(identifier: str) -> User:
    query = Q(email__iexact=identifier)
    if len(identifier) == 36:
        query |= Q(pk=identifier)
    user = User.objects.filter(query).first()
    if user is None:
        raise CommandError(f"No user with email or id {identifier}")
    return user


class Command(BaseCommand):
    help = (
        "Move all albums, libraries and assets of one user to another. A dry run unless --apply: it prints what "
        "would move first. Assets the destination already has (same checksum) stay with the source and are listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="email or id of the user giving the data")
        parser.add_argument("--to", dest="destination", required=True, help="email or id of the user receiving it")
        parser.add_argument("--apply", action="store_true", help="do it (without this, only report)")
        parser.add_argument("--delete-duplicates", action="store_true", help="delete the source's duplicates")

    def handle(self, *args, source, destination, apply, delete_duplicates, **options):
        source_user, destination_user = _user(source), _user(destination)
        try:
            plan = (
                transfer_apply(source=source_user, destination=destination_user, delete_duplicates=delete_duplicates)
                if apply
                else transfer_plan(source=source_user, destination=destination_user)
            )
        except TransferError as error:
            raise CommandError(str(error)) from error
        for asset_id, name, existing in plan.duplicates:
            action = "deleted" if apply and delete_duplicates else "stays"
            self.stdout.write(f"duplicate {action}: {name} ({asset_id}), destination already has {existing}")
        self.stdout.write(plan.summary())
        if not apply:
            self.stdout.write("Dry run: nothing changed. Run again with --apply to move the data.")
