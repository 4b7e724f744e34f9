// node-tvdb 2.0.20 (the legacy XML API) against a live tvdbd: makes each call and prints
// what the library returned, one JSON object, for tests/v1/test_node_tvdb.py to compare
// with the raw XML. The library is used as published: its base URL is a public property.
"use strict";

const Client = require("node-tvdb");

const BASE = process.env.TVDBD_BASE_URL;
const KEY = "node-v1-key";

function client(language) {
    const tvdb = new Client(KEY, language);
    tvdb.baseURL = `${BASE}/api`; // "http://www.thetvdb.com/api" in the library
    return tvdb;
}

async function outcome(call) {
    try {
        return {value: await call()};
    } catch (error) {
        return {error: error.message, statusCode: error.statusCode === undefined ? null : error.statusCode};
    }
}

async function main() {
    const en = client();
    const fr = client("fr");
    const calls = {
        getLanguages: () => en.getLanguages(),
        getTime: () => en.getTime(),
        getSeriesByName: () => en.getSeriesByName("scrubs"),
        getSeriesByNameWithoutHit: () => en.getSeriesByName("zzzz nothing"),
        getSeriesById: () => en.getSeriesById(76156),
        getSeriesByIdInFrench: () => fr.getSeriesById(76156),
        getSeriesByIdUnknown: () => en.getSeriesById(999999),
        getSeriesByRemoteId: () => en.getSeriesByRemoteId("tt0303461"),
        getSeriesAllById: () => en.getSeriesAllById(78874),
        getEpisodesById: () => en.getEpisodesById(78874),
        getEpisodeById: () => en.getEpisodeById(297989),
        getEpisodeByAirDate: () => en.getEpisodeByAirDate(78874, "2002-09-20"),
        getEpisodeByAirDateWithoutHit: () => en.getEpisodeByAirDate(78874, "2002-09-21"),
        getActors: () => en.getActors(76156),
        getBanners: () => en.getBanners(76156),
        getUpdates: () => en.getUpdates(0),
        getUpdateRecords: () => en.getUpdateRecords("all"),
    };
    const results = {};
    for (const [name, call] of Object.entries(calls)) {
        results[name] = await outcome(call);
    }
    process.stdout.write(JSON.stringify(results));
}

main();
