"""Redshift conformance cases for the local Data API endpoint.

Each case is a statement with the answer the Amazon Redshift Database Developer Guide documents
for it (the function's, operator's or type's reference page and its examples; the TICKIT DDL as
AWS prints it): rows, column names and Data API type names, or Redshift's error text. The
TICKIT rows (`TICKIT_ROWS`) are a handful of AWS's sample rows and a few made for the NULL and
tie cases. A case the endpoint cannot pass names why in `gap`: it runs, and must still fail
(pytest's strict xfail), so a fix shows up and a gap is never silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    """One statement and what Redshift answers."""

    id: str
    category: str
    sql: str
    rows: list[list[Any]] | None = None
    names: list[str] | None = None
    types: list[str] | None = None
    error: str | None = None  # Redshift's error text (a prefix of the Data API's Error)
    setup: list[str] = field(default_factory=list)
    gap: str | None = None  # why the local endpoint does not answer as Redshift does


TICKIT_DDL = [
    """create table users(
        userid integer not null distkey sortkey,
        username char(8),
        firstname varchar(30),
        lastname varchar(30),
        city varchar(30),
        state char(2),
        email varchar(100),
        phone char(14),
        likesports boolean,
        liketheatre boolean,
        likeconcerts boolean,
        likejazz boolean,
        likeclassical boolean,
        likeopera boolean,
        likerock boolean,
        likevegas boolean,
        likebroadway boolean,
        likemusicals boolean)""",
    """create table venue(
        venueid smallint not null distkey sortkey,
        venuename varchar(100),
        venuecity varchar(30),
        venuestate char(2),
        venueseats integer)""",
    """create table category(
        catid smallint not null distkey sortkey,
        catgroup varchar(10),
        catname varchar(10),
        catdesc varchar(50))""",
    """create table date(
        dateid smallint not null distkey sortkey,
        caldate date not null,
        day character(3) not null,
        week smallint not null,
        month character(5) not null,
        qtr character(5) not null,
        year smallint not null,
        holiday boolean default('N'))""",
    """create table event(
        eventid integer not null distkey,
        venueid smallint not null,
        catid smallint not null,
        dateid smallint not null sortkey,
        eventname varchar(200),
        starttime timestamp)""",
    """create table listing(
        listid integer not null distkey,
        sellerid integer not null,
        eventid integer not null,
        dateid smallint not null  sortkey,
        numtickets smallint not null,
        priceperticket decimal(8,2),
        totalprice decimal(8,2),
        listtime timestamp)""",
    """create table sales(
        salesid integer not null,
        listid integer not null distkey,
        sellerid integer not null,
        buyerid integer not null,
        eventid integer not null,
        dateid smallint not null sortkey,
        qtysold smallint not null,
        pricepaid decimal(8,2),
        commission decimal(8,2),
        saletime timestamp)""",
]

TICKIT_ROWS = [
    "insert into users (userid, username, firstname, lastname, city, state, likesports) values "
    "(20, 'JSG99FHE', 'Rafael', 'Taylor', 'Kent', 'WA', true), "
    "(21, 'PGL08LJI', 'Vladimir', 'Humphrey', 'Murfreesboro', 'SK', false), "
    "(22, 'XDZ38RDD', 'Barry', 'Roy', 'Omaha', 'NE', null)",
    "insert into venue values (1, 'Toyota Park', 'Bridgeview', 'IL', 0), "
    "(5, 'Gillette Stadium', 'Foxborough', 'MA', 68756), "
    "(6, 'New York Giants Stadium', 'East Rutherford', 'NJ', 80242), "
    "(7, 'BMO Field', 'Toronto', 'ON', 0), "
    "(8, 'The Home Depot Center', 'Carson', 'CA', 27000), "
    "(9, 'Dick''s Sporting Goods Park', 'Commerce City', 'CO', 0), "
    "(10, 'Pizza Hut Park', 'Frisco', 'TX', 0), "
    "(11, 'Unknown Hall', 'Springfield', null, null)",
    "insert into category values (1, 'Sports', 'MLB', 'Major League Baseball'), "
    "(2, 'Sports', 'NHL', 'National Hockey League'), "
    "(9, 'Concerts', 'Pop', 'All rock and pop music concerts'), "
    "(10, 'Concerts', 'Jazz', 'All jazz singers and bands')",
    "insert into date values (1827, '2008-01-01', 'TU', 1, 'JAN', '1', 2008, true), "
    "(1900, '2008-03-14', 'FR', 11, 'MAR', '1', 2008, false), "
    "(2000, '2008-06-22', 'SU', 26, 'JUN', '2', 2008, false)",
    "insert into event values (1, 6, 9, 1827, 'Gotye', '2008-01-01 19:30:00'), "
    "(2, 6, 10, 1900, 'Diana Krall', '2008-03-14 20:00:00'), "
    "(3, 8, 9, 2000, 'Pearl Jam', '2008-06-22 19:00:00'), "
    "(4, 5, 1, 1900, 'Red Sox', '2008-03-14 13:05:00')",
    "insert into listing values (1, 10, 1, 1827, 4, 50.00, 200.00, '2007-12-01 10:00:00'), "
    "(2, 11, 2, 1900, 4, 100.00, 400.00, '2008-02-01 10:00:00'), "
    "(3, 12, 3, 2000, 5, 100.00, 500.00, '2008-05-01 10:00:00'), "
    "(4, 13, 4, 1900, 2, 100.00, 200.00, '2008-03-01 10:00:00')",
    "insert into sales values (1, 1, 10, 20, 1, 1827, 2, 100.00, 15.00, '2008-01-01 10:00:00'), "
    "(2, 1, 10, 21, 1, 1827, 1, 50.00, 7.50, '2008-01-01 11:00:00'), "
    "(3, 2, 11, 20, 2, 1900, 4, 400.00, 60.00, '2008-03-14 09:00:00'), "
    "(4, 3, 12, 22, 3, 2000, 3, 300.00, 45.00, '2008-06-22 12:00:00'), "
    "(5, 3, 12, 20, 3, 2000, 1, 150.00, 22.50, '2008-06-22 13:00:00'), "
    "(6, 4, 13, 21, 4, 1900, 2, 200.00, 30.00, '2008-03-14 08:00:00')",
]

MD5_ABC = "900150983cd24fb0d6963f7d28e17f72"  # pragma: allowlist secret - RFC 1321's test vector
_NUMS = "(select 1 as x union all select 2 union all select 3 union all select 4)"
_TIES = (
    "(select 'a' as k, 10 as v union all select 'b', 20 union all select 'c', 20 union all select 'd', 30)"
)

C = Case
CASES: list[Case] = [
    # -- arithmetic, types and casts ------------------------------------------------------
    C("int-division", "arithmetic", "select 7/2", [[3]], ["?column?"], ["int4"]),
    C("int-division-negative", "arithmetic", "select -7/2", [[-3]]),
    C("int-division-columns", "arithmetic", "select sum(qtysold)/count(*) from sales", [[2]]),
    C("float-division", "arithmetic", "select 7::float/2", [[3.5]], types=["float8"]),
    C("modulo", "arithmetic", "select 7 % 3, mod(10, 3)", [[1, 1]]),
    C("division-by-zero", "arithmetic", "select 1/0", error="ERROR: division by zero"),
    C("modulo-by-zero", "arithmetic", "select 5 % 0", error="ERROR: division by zero"),
    C("float-division-by-zero", "arithmetic", "select 1.5::float/0", error="ERROR: division by zero"),
    C("exponent", "arithmetic", "select 2^3", [[8.0]], ["?column?"], ["float8"]),
    C("power-sqrt", "arithmetic", "select power(2, 10), sqrt(16)", [[1024.0, 4.0]]),
    C("abs-ceil-floor", "arithmetic", "select abs(-5), ceiling(1.2), floor(-1.2)", [[5, "2", "-2"]]),
    C("round-half-away", "arithmetic", "select round(2.5), round(-2.5)", [["3", "-3"]]),
    C("trunc-number", "arithmetic", "select trunc(3.789, 2)", [["3.78"]]),
    C(
        "greatest-least",
        "arithmetic",
        "select greatest(1, 3, 2), least(1, 3, 2)",
        [[3, 1]],
        ["greatest", "least"],
    ),
    C("sign-exp-ln", "arithmetic", "select sign(-3), exp(0), ln(1), log(100)", [[-1, 1.0, 0.0, 2.0]]),
    # DECIMAL(8,2) / DECIMAL(8,2) is a DECIMAL(17,9): the reference's own example
    C(
        "decimal-division-scale",
        "arithmetic",
        "select commission/pricepaid from sales where salesid = 1",
        [["0.150000000"]],
        types=["numeric"],
    ),
    C(
        "decimal-division-by-int",
        "arithmetic",
        "select pricepaid/qtysold from sales where salesid = 1",
        [["50.00000000"]],
    ),
    C(
        "decimal-cast-rounds",
        "types",
        "select cast(123.456 as decimal(5,1))",
        [["123.5"]],
        ["numeric"],
        ["numeric"],
    ),
    C("decimal-shorthand", "types", "select 123.456::numeric(6,2)", [["123.46"]]),
    C("string-to-int", "types", "select '12'::int + 1", [[13]]),
    C("bad-int", "types", "select 'abc'::int", error='ERROR: invalid input syntax for integer: "abc"'),
    C("string-to-date", "types", "select cast('2008-01-05' as date)", [["2008-01-05"]], ["date"], ["date"]),
    C(
        "string-to-timestamp",
        "types",
        "select '2008-01-05'::timestamp",
        [["2008-01-05 00:00:00"]],
        types=["timestamp"],
    ),
    C("string-to-bool", "types", "select 'true'::boolean", [[True]], types=["bool"]),
    C("cast-cuts-varchar", "types", "select 10::varchar(1), cast('abcdef' as char(3))", [["1", "abc"]]),
    C("int-to-varchar", "types", "select cast(10 as varchar)", [["10"]], ["varchar"], ["varchar"]),
    C("sum-int-is-bigint", "types", "select sum(qtysold) from sales", [[13]], ["sum"], ["int8"]),
    C("sum-decimal", "types", "select sum(pricepaid) from sales", [["1200.00"]], ["sum"], ["numeric"]),
    C("avg-int-truncates", "types", "select avg(qtysold) from sales", [[2]], ["avg"], ["int8"]),
    C(
        "avg-decimal-keeps-scale",
        "types",
        "select avg(pricepaid) from sales",
        [["200.00"]],
        ["avg"],
        ["numeric"],
    ),
    C("avg-float", "types", "select avg(qtysold::float) from sales", [[13 / 6]], types=["float8"]),
    C("avg-window-int", "types", "select avg(qtysold) over () from sales limit 1", [[2]], ["avg"], ["int8"]),
    C("count-is-bigint", "types", "select count(*) from sales", [[6]], ["count"], ["int8"]),
    C("date-plus-int", "types", "select date '2008-01-05' + 1", [["2008-01-06"]], types=["date"]),
    C(
        "timestamp-plus-interval",
        "types",
        "select timestamp '2008-01-01' + interval '1 day'",
        [["2008-01-02 00:00:00"]],
    ),
    # -- NULL handling ---------------------------------------------------------------------
    C("null-is-null", "null", "select null is null", [[True]]),
    C("null-equals-null", "null", "select null = null", [[None]]),
    C("null-arithmetic", "null", "select 1 + null", [[None]]),
    C("null-concat-operator", "null", "select 'a' || null", [[None]]),
    C("coalesce", "null", "select coalesce(null, 2)", [[2]], ["coalesce"]),
    C("nvl", "null", "select nvl(null, 'x')", [["x"]], ["nvl"]),
    C("nvl2", "null", "select nvl2(null, 'a', 'b')", [["b"]]),
    C("nullif", "null", "select nullif(1, 1)", [[None]], ["nullif"]),
    C("decode", "null", "select decode(2, 1, 'one', 2, 'two', 'other')", [["two"]]),
    C("case-null-condition", "null", "select case when null then 1 else 0 end", [[0]], ["case"]),
    C("count-skips-nulls", "null", "select count(venuestate), count(*) from venue", [[7, 8]]),
    C("avg-skips-nulls", "null", "select avg(venueseats) from venue where venueid in (5, 11)", [[68756]]),
    C(
        "nulls-last-asc",
        "null",
        "select venuestate from venue order by venuestate limit 1 offset 7",
        [[None]],
    ),
    C("nulls-first-desc", "null", "select venuestate from venue order by venuestate desc limit 1", [[None]]),
    C("null-literal-name", "null", "select null", [[None]], ["?column?"]),
    C(
        "is-distinct-from",
        "null",
        "select null is distinct from 1, null is not distinct from null",
        [[True, True]],
    ),
    # -- strings -------------------------------------------------------------------------
    C("len", "strings", "select len('abc'), length('abcd')", [[3, 4]], ["len", "length"]),
    C(
        "char-length-octets",
        "strings",
        "select char_length('é'), octet_length('é')",
        [[1, 2]],
    ),
    C(
        "upper-lower-initcap",
        "strings",
        "select upper('ab'), lower('AB'), initcap('hello world')",
        [["AB", "ab", "Hello World"]],
    ),
    C(
        "substring",
        "strings",
        "select substring('hello', 2, 3), substring('hello' from 2 for 3), substr('hello', 2)",
        [["ell", "ell", "ello"]],
    ),
    C("left-right", "strings", "select left('hello', 2), right('hello', 2)", [["he", "lo"]]),
    C(
        "position",
        "strings",
        "select position('l' in 'hello'), strpos('hello', 'l'), charindex('l', 'hello')",
        [[3, 3, 3]],
    ),
    C("replace", "strings", "select replace('abcabc', 'b', 'x')", [["axcaxc"]], ["replace"]),
    C("translate", "strings", "select translate('abc', 'ab', 'xy')", [["xyc"]]),
    C(
        "trims",
        "strings",
        "select trim('  a  '), ltrim('xxa', 'x'), rtrim('axx', 'x'), btrim('xxaxx', 'x')",
        [["a", "a", "a", "a"]],
    ),
    C("pads", "strings", "select lpad('5', 3, '0'), rpad('5', 3, '0')", [["005", "500"]]),
    C("reverse-repeat", "strings", "select reverse('abc'), repeat('ab', 3)", [["cba", "ababab"]]),
    C("split-part", "strings", "select split_part('a,b,c', ',', 2)", [["b"]], ["split_part"]),
    C("concat", "strings", "select concat('a', 'b'), 'a' || 'b'", [["ab", "ab"]], ["concat", "?column?"]),
    C("regexp-replace-all", "strings", "select regexp_replace('a1b2c3', '[0-9]', '')", [["abc"]]),
    C("regexp-substr", "strings", "select regexp_substr('xyz123uvw', '[0-9]+')", [["123"]]),
    C("regexp-count", "strings", "select regexp_count('abcabc', 'b')", [[2]]),
    C("regexp-instr", "strings", "select regexp_instr('abc', 'c')", [[3]]),
    C(
        "like-ilike",
        "strings",
        "select 'abc' like 'a%', 'ABC' ilike 'a%', 'abc' like 'b%'",
        [[True, True, False]],
    ),
    C(
        "similar-to",
        "strings",
        "select 'abc' similar to 'a%', 'a.c' similar to 'a_c', 'xyz' similar to '(abc|xyz)'",
        [[True, True, True]],
    ),
    C("posix-match", "strings", "select 'abc' ~ 'b', 'abc' !~ 'z'", [[True, True]], ["?column?", "?column?"]),
    C("chr-ascii", "strings", "select chr(65), ascii('A')", [["A", 65]]),
    C("md5", "strings", "select md5('abc')", [[MD5_ABC]]),
    C(
        "strtol-hex",
        "strings",
        "select strtol('0xf', 16), strtol('abcd1234', 16)",
        [[15, 2882343476]],
        ["strtol", "strtol"],
        ["int8", "int8"],
    ),
    C("strtol-binary-decimal", "strings", "select strtol('110', 2), strtol('-12', 10)", [[6, -12]]),
    C(
        "varchar-compare-column",
        "strings",
        "select venuename from venue where venuename like '%Park' order by 1",
        [["Dick's Sporting Goods Park"], ["Pizza Hut Park"], ["Toyota Park"]],
    ),
    C(
        "quote-in-literal",
        "strings",
        "select venuename from venue where venueid = 9",
        [["Dick's Sporting Goods Park"]],
    ),
    C(
        "json-path-text",
        "strings",
        """select json_extract_path_text('{"a":{"b":1}}', 'a', 'b')""",
        [["1"]],
        ["json_extract_path_text"],
    ),
    C(
        "json-array",
        "strings",
        "select json_array_length('[1,2,3]'), json_extract_array_element_text('[1,2,3]', 1)",
        [[3, "2"]],
    ),
    C(
        "json-valid",
        "strings",
        """select is_valid_json('{"a":1}'), is_valid_json('{a'), is_valid_json_array('[1]')""",
        [[True, False, True]],
    ),
    # -- dates and times ---------------------------------------------------------------------
    C(
        "trunc-timestamp",
        "datetime",
        "select trunc(timestamp '2008-01-05 14:00:00')",
        [["2008-01-05"]],
        ["trunc"],
        ["date"],
    ),
    C(
        "trunc-column",
        "datetime",
        "select trunc(starttime) from event where eventid = 1",
        [["2008-01-01"]],
        types=["date"],
    ),
    C(
        "date-trunc",
        "datetime",
        "select date_trunc('month', timestamp '2008-01-15 10:00:00')",
        [["2008-01-01 00:00:00"]],
        ["date_trunc"],
    ),
    C(
        "date-trunc-week",
        "datetime",
        "select date_trunc('week', date '2008-01-05')",
        [["2007-12-31 00:00:00"]],
    ),
    C(
        "extract",
        "datetime",
        "select extract(month from date '2008-06-01'), extract(year from starttime) from event where eventid = 1",
        [[6, 2008]],
        ["date_part", "date_part"],
    ),
    C(
        "date-part-double",
        "datetime",
        "select date_part(dow, date '2008-01-05')",
        [[6.0]],
        ["pgdate_part"],
        ["float8"],
    ),
    C(
        "dateadd-day",
        "datetime",
        "select dateadd(day, 30, date '2008-01-01')",
        [["2008-01-31 00:00:00"]],
        ["dateadd"],
        ["timestamp"],
    ),
    C("dateadd-month-end", "datetime", "select dateadd(month, 1, '2008-01-31')", [["2008-02-29 00:00:00"]]),
    C("add-months", "datetime", "select add_months('2008-01-31', 1)", [["2008-02-29 00:00:00"]]),
    C(
        "datediff-day",
        "datetime",
        "select datediff(day, date '2008-01-01', date '2008-03-01')",
        [[60]],
        ["datediff"],
    ),
    C("datediff-week", "datetime", "select datediff(week, '2009-01-01', '2009-12-31')", [[52]]),
    C("months-between", "datetime", "select months_between(date '1969-03-18', date '1969-01-18')", [[2.0]]),
    C("last-day", "datetime", "select last_day(date '2008-02-10')", [["2008-02-29"]], ["last_day"], ["date"]),
    C(
        "last-day-string",
        "datetime",
        "select last_day('2008-02-10')",
        [["2008-02-29"]],
    ),
    C("next-day", "datetime", "select next_day(date '2014-08-20', 'Tuesday')", [["2014-08-26"]]),
    C(
        "convert-timezone",
        "datetime",
        "select convert_timezone('UTC', 'America/New_York', timestamp '2008-01-01 12:00:00')",
        [["2008-01-01 07:00:00"]],
    ),
    C(
        "to-char-mon",
        "datetime",
        "select to_char(date '2008-01-05', 'Mon DD, YYYY')",
        [["Jan 05, 2008"]],
        ["to_char"],
        ["varchar"],
    ),
    C(
        "to-char-iso",
        "datetime",
        "select to_char(timestamp '2008-12-31 23:59:59', 'YYYY-MM-DD HH24:MI:SS')",
        [["2008-12-31 23:59:59"]],
    ),
    C("to-char-month-padded", "datetime", "select to_char(date '2008-01-05', 'MONTH')", [["JANUARY  "]]),
    C("to-char-fm-month", "datetime", "select to_char(date '2008-01-05', 'FMMonth FMDD')", [["January 5"]]),
    C(
        "to-char-day",
        "datetime",
        "select to_char(date '2008-01-05', 'Day'), to_char(date '2008-01-05', 'DY')",
        [["Saturday ", "SAT"]],
    ),
    C(
        "to-char-quarter-dow",
        "datetime",
        "select to_char(date '2008-05-05', 'Q'), to_char(date '2008-01-05', 'D')",
        [["2", "7"]],
    ),
    C("to-char-day-of-year", "datetime", "select to_char(date '2008-01-05', 'DDD')", [["005"]]),
    C(
        "to-char-12h",
        "datetime",
        "select to_char(timestamp '2008-01-05 14:03:09', 'HH12:MI AM')",
        [["02:03 PM"]],
    ),
    C(
        "to-char-column",
        "datetime",
        "select to_char(starttime, 'YYYY-MM-DD HH24:MI') from event where eventid = 2",
        [["2008-03-14 20:00"]],
    ),
    C(
        "to-char-number",
        "datetime",
        "select to_char(1234.5, '9,999.99'), to_char(125.8, 'FM999.99')",
        [[" 1,234.50", "125.8"]],
    ),
    C(
        "to-date",
        "datetime",
        "select to_date('20080105', 'YYYYMMDD')",
        [["2008-01-05"]],
        ["to_date"],
        ["date"],
    ),
    C(
        "to-timestamp",
        "datetime",
        "select to_timestamp('2008-01-05 10:00:00', 'YYYY-MM-DD HH24:MI:SS')",
        [["2008-01-05 10:00:00+00"]],
        types=["timestamptz"],
    ),
    C("getdate-type", "datetime", "select getdate() = date_trunc('second', getdate())", [[True]]),
    C("getdate-typed", "datetime", "select getdate()", names=["getdate"], types=["timestamp"]),
    C("sysdate-typed", "datetime", "select sysdate", types=["timestamp"]),
    C("current-date", "datetime", "select trunc(getdate()) = current_date", [[True]]),
    C(
        "timestamp-compare",
        "datetime",
        "select count(*) from sales where saletime >= '2008-03-14' and saletime < '2008-03-15'",
        [[2]],
    ),
    # -- aggregates -----------------------------------------------------------------------------
    C("count-distinct", "aggregates", "select count(distinct eventid) from sales", [[4]], ["count"]),
    C(
        "min-max",
        "aggregates",
        "select min(pricepaid), max(venuename) from sales, venue",
        [["50.00", "Unknown Hall"]],
        ["min", "max"],
    ),
    C(
        "group-by-having",
        "aggregates",
        "select eventid, sum(qtysold) from sales group by eventid having sum(qtysold) > 3 order by eventid",
        [[2, 4], [3, 4]],
    ),
    C("median", "aggregates", f"select median(x) from {_NUMS} t", [[2.5]], ["median"]),
    C(
        "percentile-cont",
        "aggregates",
        f"select percentile_cont(0.5) within group (order by x) from {_NUMS} t",
        [[2.5]],
        ["percentile_cont"],
    ),
    C(
        "stddev-var",
        "aggregates",
        "select stddev_samp(x), var_pop(x) from (select 1 as x union all select 3) t",
        [[2**0.5, 1.0]],
    ),
    C(
        "bool-and-or",
        "aggregates",
        "select bool_or(likesports), bool_and(likesports) from users",
        [[True, False]],
    ),
    C(
        "listagg",
        "aggregates",
        "select listagg(venuestate, ',') within group (order by venuestate) from venue where venueid < 7",
        [["IL,MA,NJ"]],
        ["listagg"],
    ),
    C(
        "listagg-desc",
        "aggregates",
        "select listagg(catname, ', ') within group (order by catname desc) from category",
        [["Pop, NHL, MLB, Jazz"]],
    ),
    C(
        "listagg-distinct",
        "aggregates",
        "select listagg(distinct catgroup, ',') within group (order by catgroup) from category",
        [["Concerts,Sports"]],
        ["listagg"],
    ),
    C("approximate-count", "aggregates", "select approximate count(distinct eventid) from sales", [[4]]),
    C("sum-case", "aggregates", "select sum(case when qtysold > 1 then 1 else 0 end) from sales", [[4]]),
    C(
        "join-aggregate",
        "aggregates",
        "select v.venuename, sum(s.qtysold) from sales s join event e on s.eventid = e.eventid join venue v on e.venueid = v.venueid group by 1 order by 2 desc, 1",
        [["New York Giants Stadium", 7], ["The Home Depot Center", 4], ["Gillette Stadium", 2]],
    ),
    C(
        "implicit-join",
        "aggregates",
        "select count(*) from event, venue where event.venueid = venue.venueid",
        [[4]],
    ),
    # -- window functions -------------------------------------------------------------------
    C(
        "row-number",
        "window",
        f"select x, row_number() over (order by x desc) from {_NUMS} t order by x",
        [[1, 4], [2, 3], [3, 2], [4, 1]],
        ["x", "row_number"],
    ),
    C(
        "rank-dense-rank",
        "window",
        f"select k, rank() over (order by v), dense_rank() over (order by v) from {_TIES} t order by k",
        [["a", 1, 1], ["b", 2, 2], ["c", 2, 2], ["d", 4, 3]],
    ),
    C(
        "first-last-value",
        "window",
        f"select first_value(x) over (order by x rows between unbounded preceding and unbounded following), last_value(x) over (order by x rows between unbounded preceding and unbounded following) from {_NUMS} t limit 1",
        [[1, 4]],
        ["first_value", "last_value"],
    ),
    C(
        "lag-lead",
        "window",
        "select lag(x) over (order by x), lead(x, 1, 0) over (order by x) from (select 1 as x union all select 2) t order by x",
        [[None, 2], [1, 0]],
        ["lag", "lead"],
    ),
    C(
        "running-sum",
        "window",
        f"select x, sum(x) over (order by x rows unbounded preceding) from {_NUMS} t order by x",
        [[1, 1], [2, 3], [3, 6], [4, 10]],
    ),
    C(
        "partition-sum",
        "window",
        "select salesid, sum(qtysold) over (partition by eventid) from sales order by salesid",
        [[1, 3], [2, 3], [3, 4], [4, 4], [5, 4], [6, 2]],
    ),
    C(
        "ratio-to-report",
        "window",
        "select salesid, ratio_to_report(qtysold) over (partition by eventid) from sales where eventid = 1 order by salesid",
        [[1, 2 / 3], [2, 1 / 3]],
        ["salesid", "ratio_to_report"],
    ),
    C(
        "ntile",
        "window",
        f"select x, ntile(2) over (order by x) from {_NUMS} t order by x",
        [[1, 1], [2, 1], [3, 2], [4, 2]],
    ),
    C(
        "cume-dist-percent-rank",
        "window",
        f"select cume_dist() over (order by x), percent_rank() over (order by x) from {_NUMS} t order by x limit 2",
        [[0.25, 0.0], [0.5, 1 / 3]],
    ),
    C("count-over", "window", "select count(*) over () from sales limit 1", [[6]], ["count"]),
    # -- names and metadata ------------------------------------------------------------------
    C("name-count-star", "names", "select count(*) from venue", [[8]], ["count"]),
    C("name-sum-column", "names", "select sum(venueseats) from venue", [[175998]], ["sum"], ["int8"]),
    C("name-max", "names", "select max(venueseats) from venue", [[80242]], ["max"]),
    C(
        "name-column",
        "names",
        "select venuename from venue where venueid = 1",
        [["Toyota Park"]],
        ["venuename"],
    ),
    C(
        "name-alias",
        "names",
        "select venuename as name from venue where venueid = 1",
        [["Toyota Park"]],
        ["name"],
    ),
    C(
        "name-qualified",
        "names",
        "select v.venuecity from venue v where venueid = 1",
        [["Bridgeview"]],
        ["venuecity"],
    ),
    C("name-expression", "names", "select venueseats + 1 from venue where venueid = 1", [[1]], ["?column?"]),
    C("name-literal", "names", "select 1, 'a'", [[1, "a"]], ["?column?", "?column?"]),
    C(
        "name-cast-column",
        "names",
        "select venueseats::varchar from venue where venueid = 1",
        [["0"]],
        ["venueseats"],
    ),
    C("name-cast-literal", "names", "select '1'::int", [[1]], ["int4"]),
    C(
        "name-case",
        "names",
        "select case when venueseats > 0 then 'big' else 'small' end from venue where venueid = 5",
        [["big"]],
        ["case"],
    ),
    C(
        "name-window",
        "names",
        "select first_value(venuename) over (order by venueid rows between unbounded preceding and unbounded following) from venue limit 1",
        [["Toyota Park"]],
        ["first_value"],
    ),
    C("name-subquery", "names", "select (select max(venueid) from venue)", [[11]], ["max"]),
    C(
        "name-distinct",
        "names",
        "select distinct catgroup from category order by catgroup",
        [["Concerts"], ["Sports"]],
        ["catgroup"],
    ),
    C("type-varchar", "names", "select venuename from venue where venueid = 1", types=["varchar"]),
    C("type-char", "names", "select venuestate from venue where venueid = 1", [["IL"]], types=["bpchar"]),
    C(
        "type-smallint-int",
        "names",
        "select venueid, venueseats from venue where venueid = 1",
        types=["int2", "int4"],
    ),
    C(
        "type-numeric",
        "names",
        "select pricepaid from sales where salesid = 1",
        [["100.00"]],
        types=["numeric"],
    ),
    C(
        "type-timestamp-bool",
        "names",
        "select saletime, likesports from sales, users where salesid = 1 and userid = 20",
        types=["timestamp", "bool"],
    ),
    C("char-full", "names", "select username from users where userid = 20", [["JSG99FHE"]], types=["bpchar"]),
    C(
        "char-blank-padded",
        "names",
        "select day, month from date where dateid = 1827",
        [["TU ", "JAN  "]],
        types=["bpchar", "bpchar"],
    ),
    C(
        "star-metadata",
        "names",
        "select * from category where catid = 1",
        [[1, "Sports", "MLB", "Major League Baseball"]],
        ["catid", "catgroup", "catname", "catdesc"],
        ["int2", "varchar", "varchar", "varchar"],
    ),
    C("cast-rounds-to-int", "types", "select cast(3.7 as int)", [[4]], ["int4"]),
    C(
        "cast-to-char-pads",
        "types",
        "select 'abc'::char(5) || '|'",
        [["abc  |"]],
        gap="a cast to CHAR(n) is cut to n but not blank-padded",
    ),
    C(
        "smallint-division-type",
        "types",
        "select venueid/2 from venue where venueid = 5",
        [[2]],
        types=["int4"],
    ),
    C(
        "smallint-by-bigint-division-type",
        "types",
        "select venueid / cast(2 as bigint) from venue where venueid = 5",
        [[2]],
        types=["int8"],
    ),
    C(
        "ctas-keeps-lengths",
        "types",
        "select catname from t_ctas_cat",
        types=["varchar"],
        names=["catname"],
        setup=["create table t_ctas_cat as select catname from category"],
    ),
    C(
        "ctas-length-enforced",
        "ddl",
        "insert into t_ctas_len values ('eleven char')",
        error="ERROR: value too long for type character varying(10)",
        setup=["create table t_ctas_len as select catname from category"],
        gap="CREATE TABLE AS does not carry the source's VARCHAR(n) lengths (DuckDB's types have none)",
    ),
    C(
        "alter-add-column-length",
        "ddl",
        "insert into t_alt_len values (1, 'abc')",
        error="ERROR: value too long for type character varying(2)",
        setup=["create table t_alt_len (a int)", "alter table t_alt_len add column b varchar(2)"],
        gap="ALTER TABLE ADD COLUMN cannot add the CHECK that enforces a length (DuckDB refuses constraints there)",
    ),
    C("datediff-month", "datetime", "select datediff(month, '2008-01-31', '2008-02-01')", [[1]]),
    # -- DDL ---------------------------------------------------------------------------------
    C("ddl-column-distkey-sortkey", "ddl", "select count(*) from users", [[3]]),
    C(
        "ddl-sortkey-auto",
        "ddl",
        "select count(*) from t_auto",
        [[0]],
        setup=["create table t_auto (id int) sortkey auto"],
    ),
    C(
        "ddl-interleaved",
        "ddl",
        "select count(*) from t_inter",
        [[0]],
        setup=["create table t_inter (a int, b int) interleaved sortkey (a, b)"],
    ),
    C(
        "ddl-compound-diststyle",
        "ddl",
        "select count(*) from t_comp",
        [[0]],
        setup=["create table t_comp (a int, b int) diststyle key distkey (a) compound sortkey (a, b)"],
    ),
    C(
        "ddl-diststyle-all-backup",
        "ddl",
        "select count(*) from t_all",
        [[0]],
        setup=["create table t_all (a int) diststyle all backup no"],
    ),
    C(
        "ddl-encode",
        "ddl",
        "select count(*) from t_enc",
        [[0]],
        setup=["create table t_enc (a int encode az64, b varchar(10) encode zstd not null) encode auto"],
    ),
    C(
        "ddl-identity",
        "ddl",
        "select id, v from t_ident order by id",
        [[1, "a"], [2, "b"]],
        setup=[
            "create table t_ident (id int identity(1,1), v varchar(5))",
            "insert into t_ident (v) values ('a'), ('b')",
        ],
    ),
    C(
        "ddl-default",
        "ddl",
        "select holiday from date where dateid = 3000",
        [[False]],
        setup=[
            "insert into date (dateid, caldate, day, week, month, qtr, year) values (3000, '2008-12-31', 'WE', 53, 'DEC', '4', 2008)"
        ],
    ),
    C(
        "ddl-varchar-too-long",
        "ddl",
        "insert into category values (99, 'Too long a group', 'x', 'y')",
        error="ERROR: value too long for type character varying(10)",
    ),
    C(
        "ddl-char-too-long",
        "ddl",
        "insert into venue values (99, 'x', 'y', 'ABC', 1)",
        error="ERROR: value too long for type character(2)",
    ),
    C(
        "ddl-varchar-default-256",
        "ddl",
        "insert into t_v256 values (repeat('x', 257))",
        error="ERROR: value too long for type character varying(256)",
        setup=["create table t_v256 (v varchar)"],
    ),
    C(
        "ddl-varchar-bytes",
        "ddl",
        "insert into t_v2 values ('éé')",
        error="ERROR: value too long for type character varying(3)",
        setup=["create table t_v2 (v varchar(3))"],
    ),
    C(
        "ddl-not-null",
        "ddl",
        "insert into category (catid) values (null)",
        error="ERROR: Cannot insert a NULL value into column catid",
    ),
    C(
        "ddl-ctas",
        "ddl",
        "select count(*) from t_ctas",
        [[6]],
        setup=["create table t_ctas as select * from sales"],
    ),
    C("ddl-temp-table", "ddl", "create temp table t_tmp (a int)", []),
    C(
        "ddl-already-exists",
        "ddl",
        "create table venue (a int)",
        error='ERROR: relation "venue" already exists',
    ),
    C("ddl-drop-if-exists", "ddl", "drop table if exists t_never", []),
    C(
        "ddl-alter-add-column",
        "ddl",
        "select b from t_alt",
        [[None]],
        setup=[
            "create table t_alt (a int)",
            "insert into t_alt values (1)",
            "alter table t_alt add column b varchar(5)",
        ],
    ),
    C(
        "ddl-rename",
        "ddl",
        "select count(*) from t_renamed",
        [[0]],
        setup=["create table t_ren (a int)", "alter table t_ren rename to t_renamed"],
    ),
    C(
        "ddl-truncate",
        "ddl",
        "select count(*) from t_trunc",
        [[0]],
        setup=["create table t_trunc as select * from venue", "truncate t_trunc"],
    ),
    C("ddl-no-result", "ddl", "create table t_nores (a int)", []),
    C("missing-relation", "ddl", "select * from nosuch", error='ERROR: relation "nosuch" does not exist'),
    C("missing-column", "ddl", "select nocol from venue", error='ERROR: column "nocol" does not exist'),
    C("syntax-error", "ddl", "select from where", error="ERROR: syntax error at or near"),
    # -- DML and MERGE -------------------------------------------------------------------------
    C(
        "update-join",
        "dml",
        "select v from t_upd order by id",
        [["x"], ["b"]],
        setup=[
            "create table t_upd (id int, v varchar(5))",
            "insert into t_upd values (1, 'a'), (2, 'b')",
            "update t_upd set v = 'x' from (select 1 as k) s where t_upd.id = s.k",
        ],
    ),
    C(
        "delete-using",
        "dml",
        "select id from t_del",
        [[2]],
        setup=[
            "create table t_del (id int)",
            "insert into t_del values (1), (2)",
            "delete from t_del using (select 1 as k) s where t_del.id = s.k",
        ],
    ),
    C(
        "insert-select",
        "dml",
        "select count(*) from t_ins",
        [[4]],
        setup=["create table t_ins (id int)", "insert into t_ins select eventid from event"],
    ),
    C(
        "merge-update-insert",
        "dml",
        "select id, v from t_merge order by id",
        [[1, "a"], [2, "B"], [3, "c"]],
        setup=[
            "create table t_merge (id int, v varchar(10))",
            "insert into t_merge values (1, 'a'), (2, 'b')",
            "merge into t_merge using (select 2 as id, 'B' as v union all select 3, 'c') s on t_merge.id = s.id when matched then update set v = s.v when not matched then insert values (s.id, s.v)",
        ],
    ),
    C(
        "merge-delete",
        "dml",
        "select id from t_mdel order by id",
        [[1]],
        setup=[
            "create table t_mdel (id int)",
            "insert into t_mdel values (1), (2)",
            "merge into t_mdel using (select 2 as id) s on t_mdel.id = s.id when matched then delete",
        ],
    ),
    C(
        "merge-columns",
        "dml",
        "select id, v from t_mcol",
        [[5, "e"]],
        setup=[
            "create table t_mcol (id int, v varchar(10))",
            "merge into t_mcol using (select 5 as id, 'e' as v) s on t_mcol.id = s.id when matched then update set v = s.v when not matched then insert (id, v) values (s.id, s.v)",
        ],
    ),
    C(
        "merge-remove-duplicates",
        "dml",
        "select id, v from t_mdup",
        [[1, "z"]],
        setup=[
            "create table t_mdup (id int, v varchar(10))",
            "insert into t_mdup values (1, 'a')",
            "create table s_mdup (id int, v varchar(10))",
            "insert into s_mdup values (1, 'z')",
            "merge into t_mdup using s_mdup on t_mdup.id = s_mdup.id remove duplicates",
        ],
    ),
    C(
        "with-cte",
        "dml",
        "with big as (select * from venue where venueseats > 50000) select count(*) from big",
        [[2]],
        ["count"],
    ),
    C(
        "union-order",
        "dml",
        "select catname from category where catid = 1 union all select catname from category where catid = 2 order by 1",
        [["MLB"], ["NHL"]],
    ),
    C(
        "in-subquery",
        "dml",
        "select count(*) from event where venueid in (select venueid from venue where venuestate = 'NJ')",
        [[2]],
    ),
    C("top", "dml", "select top 2 salesid from sales order by salesid", [[1], [2]]),
]
