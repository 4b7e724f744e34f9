"""The storage schema. Column names are ours (snake_case); wire names live in tvdbd.records.

Migrations in tvdbd/db/migrations are generated from and checked against this module.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

from tvdbd.records import artwork, episode, series
from tvdbd.records.fields import Field, Kind

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _columns(fields: list[Field], *, skip: tuple[str, ...] = ()) -> list[Column]:
    columns = []
    for f in fields:
        if f.column in skip:
            continue
        sql_type = BigInteger() if f.kind is Kind.INT else Text()
        columns.append(Column(f.column, sql_type, nullable=True))
    return columns


def _series_fk() -> ForeignKey:
    return ForeignKey("series.id", ondelete="CASCADE")


languages = Table(
    "languages",
    metadata,
    # The 2020 list has an entry with a null id and two entries for `pt`, so neither
    # id nor abbreviation can be the key; `position` keeps the served order.
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("id", Integer, nullable=True, index=True),
    Column("abbreviation", Text, nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("english_name", Text, nullable=False),
)

series_table = Table(
    "series",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    *_columns(series.FIELDS, skip=("id",)),
    Column("original_language", Text, nullable=False),
    # Number of aired seasons without specials, served as `season` unless a bundle gives it.
    Column("aired_season_count", Integer, nullable=False),
    Column("episode_count", Integer, nullable=False),
    # sha256 of the bundle line that produced this series; re-importing it changes nothing.
    Column("bundle_hash", Text, nullable=False),
    Index(None, "last_updated"),
    Index(None, "imdb_id"),
    Index(None, "zap2it_id"),
    Index(None, "slug"),
)

series_translations = Table(
    "series_translations",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("language", Text, primary_key=True),
    *_columns(series.TRANSLATION_FIELDS),
    # True when the translation carries its own alias list (even an empty one).
    Column("has_aliases", Boolean, nullable=False),
)

series_aliases = Table(
    "series_aliases",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    # "" for the original-language record, else the translation's language.
    Column("language", Text, primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("alias", Text, nullable=False),
)

series_genres = Table(
    "series_genres",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("genre", Text, nullable=False),
)

episodes = Table(
    "episodes",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("series_id", BigInteger, _series_fk(), nullable=False),
    *_columns(episode.FIELDS, skip=("id",)),
    # The 3.0.0 record in the series' original language as served (JSON text; see
    # render.stored_episode_json), made at import; NULL means "render it per request".
    Column("wire_v3", Text, nullable=True),
    Index(None, "series_id", "id"),
    Index(None, "series_id", "aired_season", "aired_episode_number"),
)

episode_translations = Table(
    "episode_translations",
    metadata,
    Column("episode_id", BigInteger, primary_key=True),
    Column("language", Text, primary_key=True),
    Column("series_id", BigInteger, _series_fk(), nullable=False, index=True),
    *_columns(episode.TRANSLATION_FIELDS),
    # The 3.0.0 record in this language as served, like episodes.wire_v3.
    Column("wire_v3", Text, nullable=True),
)

# Each 3.0.0 episode page as served (tvdbd.records.pages), per language: the original one
# and each language the series has episode translations in.
episode_pages = Table(
    "episode_pages",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("language", Text, primary_key=True),
    Column("page", Integer, primary_key=True, autoincrement=False),
    Column("first_id", BigInteger, nullable=False),
    Column("last_id", BigInteger, nullable=False),
    Column("name_missing", Boolean, nullable=False),
    Column("records", Text, nullable=False),
)

actors = Table(
    "actors",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    *_columns(artwork.ACTOR_FIELDS),
)

images = Table(
    "images",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("position", Integer, primary_key=True, autoincrement=False),
    *_columns(artwork.IMAGE_FIELDS),
    Index(None, "series_id", "key_type"),
)

# The /search/series index of every name and alias in every language; tvdbd.search says what
# each table is for. On PostgreSQL the key columns (word, stem, prefix, other) are COLLATE
# "C" (migrations 0001 and 0003): code-point order makes prefix ranges exact. On
# SQLite the tables are clustered by their key (WITHOUT ROWID): an index entry then holds
# the key, and a reading is one lookup.
search_names = Table(
    "search_names",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("name_no", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("stems", Text, nullable=False),
    sqlite_with_rowid=False,
)

search_words = Table(
    "search_words",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("name_no", Integer, primary_key=True, autoincrement=False),
    Column("word", Text, primary_key=True),
    Column("stem", Text, nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("name_length", Integer, nullable=False),
    # Rank order per word; with name_no it answers every search query without the table.
    Index("ix_search_words_rank", "word", "position", "name_length", "series_id", "name_no"),
    sqlite_with_rowid=False,
)

search_pairs = Table(
    "search_pairs",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("name_no", Integer, primary_key=True, autoincrement=False),
    Column("word", Text, primary_key=True),
    Column("other", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name_length", Integer, nullable=False),
    Index(
        "ix_search_pairs_rank", "word", "other", "position", "name_length", "series_id", "name_no"
    ),
    sqlite_with_rowid=False,
)

search_prefixes = Table(
    "search_prefixes",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("prefix", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("name_length", Integer, nullable=False),
    Index("ix_search_prefixes_rank", "prefix", "position", "name_length", "series_id"),
    sqlite_with_rowid=False,
)

search_vocabulary = Table(
    "search_vocabulary",
    metadata,
    Column("word", Text, primary_key=True),
    Column("stem", Text, nullable=False, index=True),
    sqlite_with_rowid=False,
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    # sha256 of the key; the key itself is shown once at creation and never stored.
    Column("key_hash", Text, nullable=False, unique=True),
    Column("created_at", BigInteger, nullable=False),
    Column("revoked_at", BigInteger, nullable=True),
)

# Where a series came from, when a live source (or a bundle that says so) gave it: the
# attribution its licence asks for, and what `tvdbd sync` needs to refresh it.
series_sources = Table(
    "series_sources",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    # "thetvdb-v4", "tvmaze", ... (tvdbd.sources names them)
    Column("source", Text, nullable=False),
    # The series' id at the source, as text (TVmaze show ids are not TheTVDB ids).
    Column("source_id", Text, nullable=False),
    Column("url", Text, nullable=True),
    Column("license", Text, nullable=True),
    Column("attribution", Text, nullable=True),
    Column("fetched_at", BigInteger, nullable=True),
    # sha256 of the mapped bundle before its lastUpdated was moved to the storing time: a
    # refresh that maps to the same hash changed nothing upstream and is skipped.
    Column("content_hash", Text, nullable=True),
    Index(None, "source", "source_id"),
)

# Resumable positions in upstream feeds (the TheTVDB v4 update feed). One process at a time
# follows a feed: tvdbd.sources.store.FeedLock holds a lock that dies with its process.
source_checkpoints = Table(
    "source_checkpoints",
    metadata,
    Column("name", Text, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# v3 movies (`/movies/{id}`, `/movieupdates`): a record with nothing per request and no
# route that looks inside it, so it is stored whole as the JSON text served (key order and
# all; see tvdbd.records.movie). Movie ids are their own id space, not series ids.
movies = Table(
    "movies",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    # The bundle line's `lastUpdated` (the record has none); what /movieupdates compares.
    Column("last_updated", BigInteger, nullable=False),
    Column("record", Text, nullable=False),
    # sha256 of the bundle line; re-importing the same line changes nothing.
    Column("bundle_hash", Text, nullable=False),
    Index(None, "last_updated"),
)

CATALOGUE_CHILD_TABLES = (
    episode_pages,
    series_sources,
    search_names,
    search_words,
    search_pairs,
    search_prefixes,
    images,
    actors,
    episode_translations,
    episodes,
    series_genres,
    series_aliases,
    series_translations,
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", Text, nullable=False, unique=True),
    # sha256 of the generated user key ("Account Identifier"); shown once, never stored.
    Column("userkey_hash", Text, nullable=False),
    # Bumped by `user reset-key` so tokens issued with the old key stop working.
    Column("key_generation", Integer, nullable=False),
    Column("language", Text, nullable=False),
    Column("favorites_display_mode", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # user | editor | admin (tvdbd.db.users.ROLES): what an account may do besides its own
    # favorites and ratings.
    Column("role", Text, nullable=False, server_default="user"),
    # Never hand a deleted user's id to a new account (its old tokens name that id).
    sqlite_autoincrement=True,
)

user_favorites = Table(
    "user_favorites",
    metadata,
    # An autoincrement id keeps the order favorites were added in.
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("series_id", BigInteger, _series_fk(), nullable=False),
    UniqueConstraint("user_id", "series_id"),
)

# No foreign key to the rated item: re-importing a series replaces its episodes and
# images, and a rating of an episode or image that comes back with the same id survives.
user_ratings = Table(
    "user_ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("item_type", Text, nullable=False),
    Column("item_id", BigInteger, nullable=False),
    Column("rating", Integer, nullable=False),
    UniqueConstraint("user_id", "item_type", "item_id"),
    Index(None, "item_type", "item_id"),
)

# When users' ratings of a series or of its episodes or images last changed. Ratings leave
# `lastUpdated` alone (it is catalogue data), but they change what the series routes serve:
# HTTP Last-Modified/If-Modified-Since and response caches need to know.
series_rating_changes = Table(
    "series_rating_changes",
    metadata,
    Column("series_id", BigInteger, _series_fk(), primary_key=True),
    Column("changed_at", BigInteger, nullable=False),
)

# Local edits (tvdbd.edits). Neither table has a foreign key to the series: a series is
# replaced whole by every import, and its history and locks must outlive that.
#
# Every change made through tvdbd.edits, newest last: the history of a record, and what a
# revert undoes. Values are JSON text; a whole-record change (field "*": an episode added or
# removed, an image added or removed) holds the whole bundle record.
edit_revisions = Table(
    "edit_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("series_id", BigInteger, nullable=False),
    # series | episode | actor | image
    Column("record_type", Text, nullable=False),
    Column("record_id", BigInteger, nullable=False),
    # A wire key of the record, or "*" for the whole record.
    Column("field", Text, nullable=False),
    # The language of a translated field (seriesName, overview, aliases...), else "".
    Column("language", Text, nullable=False),
    # set | add | remove | lock | unlock
    Column("action", Text, nullable=False),
    Column("old_value", Text, nullable=True),
    Column("new_value", Text, nullable=True),
    Column("comment", Text, nullable=True),
    # Who: an account's user name (edit API, pages) or a local operator's name (CLI).
    Column("editor", Text, nullable=False),
    # api | cli | pages | import: the way the change came in.
    Column("via", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    # The revision this one reverts, if it is a revert.
    Column("reverts", Integer, nullable=True),
    Index(None, "series_id", "id"),
    Index(None, "record_type", "record_id", "id"),
    sqlite_autoincrement=True,
)

# The fields whose local value wins over every import, sync, mirror and read-through
# refresh, with the value upstream gave last (so a page can show "upstream now says ...").
edit_locks = Table(
    "edit_locks",
    metadata,
    Column("series_id", BigInteger, primary_key=True),
    Column("record_type", Text, primary_key=True),
    Column("record_id", BigInteger, primary_key=True),
    Column("field", Text, primary_key=True),
    Column("language", Text, primary_key=True),
    # JSON text of the local value; for field "*", the whole record, or null: removed here.
    Column("local_value", Text, nullable=False),
    # JSON text of what the last refresh gave (null: absent upstream); NULL: none seen yet.
    Column("upstream_value", Text, nullable=True),
    Column("upstream_seen_at", BigInteger, nullable=True),
    Column("locked_by", Text, nullable=False),
    Column("locked_at", BigInteger, nullable=False),
)
