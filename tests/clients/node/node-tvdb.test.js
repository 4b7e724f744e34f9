// node-tvdb 4.1.0 against a live tvdbd serving the demo catalogue (run by
// tests/clients/test_node_tvdb.py with TVDBD_BASE_URL and TVDBD_DEMO_BUNDLE set).
//
// node-tvdb hard-codes https://api.thetvdb.com and calls node-fetch with full URLs. The
// library is left as published: before it is loaded, the node-fetch module it will require is
// replaced in Node's module cache by a function that rewrites that prefix to the server's
// URL and records every request (the same idea as the requests.Session handed to tvdb_api).
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const BASE_URL = process.env.TVDBD_BASE_URL;
const REAL_API = 'https://api.thetvdb.com';
assert.ok(BASE_URL, 'TVDBD_BASE_URL is not set');

const libraryDir = path.dirname(require.resolve('node-tvdb/package.json'));
const fetchPath = require.resolve('node-fetch', { paths: [libraryDir] });
const realFetch = require(fetchPath);
const requests = [];

function redirectingFetch(url, options) {
    const target = url.startsWith(REAL_API) ? BASE_URL + url.slice(REAL_API.length) : url;
    requests.push({ url: target, headers: Object.assign({}, options && options.headers) });
    return realFetch(target, options);
}
Object.assign(redirectingFetch, realFetch);
require.cache[fetchPath].exports = redirectingFetch;

const TVDB = require('node-tvdb');
assert.equal(require('node-tvdb/package.json').version, '4.1.0');
const tvdb = new TVDB('node-tvdb-test');

// What the server imported: the demo catalogue's series bundles.
const demo = new Map(
    fs.readFileSync(process.env.TVDBD_DEMO_BUNDLE, 'utf8')
        .split('\n')
        .filter(line => line.trim())
        .map(line => JSON.parse(line))
        .filter(bundle => bundle.series)
        .map(bundle => [bundle.series.id, bundle])
);
const SCRUBS = 76156;
const scrubs = demo.get(SCRUBS);
const KEY_TYPES = ['fanart', 'poster', 'season', 'seasonwide', 'series'];

function requestsTo(pathname) {
    return requests.filter(r => new URL(r.url).pathname === pathname);
}

test('every request goes to tvdbd with the v2.1.1 Accept header', async () => {
    await tvdb.getLanguages();
    assert.ok(requests.length >= 2);
    for (const request of requests) {
        assert.ok(request.url.startsWith(BASE_URL + '/'), request.url);
        assert.equal(request.headers.Accept, 'application/vnd.thetvdb.v2.1.1');
    }
    assert.equal(requestsTo('/login').length, 1);
});

test('getLanguages lists the 184 languages with English as 7', async () => {
    const languages = await tvdb.getLanguages();
    assert.equal(languages.length, 184);
    assert.deepEqual(languages.find(l => l.abbreviation === 'en'),
        { id: 7, abbreviation: 'en', name: 'English', englishName: 'English' });
});

test('getSeriesById reads the 3.0.0 fields', async () => {
    const series = await tvdb.getSeriesById(SCRUBS);
    assert.equal(series.id, SCRUBS);
    assert.equal(series.seriesName, 'Scrubs');
    assert.equal(series.season, '9');
    assert.equal(series.poster, scrubs.series.poster);
    assert.equal(series.fanart, scrubs.series.fanart);
    assert.equal(series.banner, scrubs.series.banner);
    assert.equal(series.language, 'en');
    assert.equal(series.firstAired, '2001-10-02');
});

test('getSeriesById in French serves the translation node-tvdb asks for', async () => {
    const series = await tvdb.getSeriesById(SCRUBS, { lang: 'fr' });
    assert.equal(series.language, 'fr');
    assert.equal(series.seriesName, scrubs.translations.fr.seriesName);
});

test('getSeriesByName finds Scrubs first with its image and poster', async () => {
    const hits = await tvdb.getSeriesByName('Scrubs');
    assert.deepEqual(hits.map(h => h.id), [SCRUBS, 167151, 274735]);
    assert.equal(hits[0].seriesName, 'Scrubs');
    assert.equal(hits[0].image, '/banners/' + scrubs.series.poster);
    assert.equal(hits[0].poster, '/banners/' + scrubs.series.poster);
    assert.equal(hits[0].firstAired, '2001-10-2');
});

test('getSeriesByImdbId finds one series', async () => {
    const hits = await tvdb.getSeriesByImdbId('tt0285403');
    assert.deepEqual(hits.map(h => h.id), [SCRUBS]);
});

test('getSeriesByName with no hit rejects with Resource not found', async () => {
    await assert.rejects(tvdb.getSeriesByName('the fake show thingy'), /^Error: Resource not found$/);
});

test('getSeriesById of an unknown id rejects with the id message', async () => {
    await assert.rejects(tvdb.getSeriesById(999999999), /^Error: ID: 999999999 not found$/);
});

test('getEpisodesBySeriesId follows links.next over both pages', async () => {
    const before = requestsTo(`/series/${SCRUBS}/episodes`).length;
    const episodes = await tvdb.getEpisodesBySeriesId(SCRUBS);
    assert.equal(episodes.length, 194);
    assert.equal(episodes.length, scrubs.episodes.length);
    assert.deepEqual(episodes.map(e => e.id), scrubs.episodes.map(e => e.id));
    const pages = requestsTo(`/series/${SCRUBS}/episodes`).slice(before);
    assert.deepEqual(pages.map(r => new URL(r.url).search), ['', '?page=2']);
    for (const episode of episodes) {
        assert.ok('contentRating' in episode && 'isMovie' in episode, episode.id);
        assert.equal(episode.seriesId, SCRUBS);
    }
    assert.equal(episodes.find(e => e.id === 184602).episodeName, 'My First Day');
});

test('getEpisodesByAirDate finds the episodes of that day', async () => {
    const day = '2001-10-02';
    const expected = scrubs.episodes.filter(e => e.firstAired === day).map(e => e.id);
    assert.ok(expected.length >= 1);
    const episodes = await tvdb.getEpisodesByAirDate(SCRUBS, day);
    assert.deepEqual(episodes.map(e => e.id), expected);
    assert.ok(episodes.every(e => e.firstAired === day));
    const later = scrubs.episodes.find(e => e.airedSeason === 8 && e.airedEpisodeNumber === 18);
    const last = await tvdb.getEpisodesByAirDate(SCRUBS, later.firstAired);
    assert.ok(last.map(e => e.id).includes(later.id));
});

test('getEpisodesByAirDate of a day without episodes rejects', async () => {
    await assert.rejects(tvdb.getEpisodesByAirDate(SCRUBS, '2000-01-01'), /^Error: Resource not found$/);
});

test('getEpisodeById has the 3.0.0 contentRating', async () => {
    const episode = await tvdb.getEpisodeById(184602);
    assert.equal(episode.episodeName, 'My First Day');
    assert.equal(episode.contentRating, 'TV-PG');
    assert.deepEqual(episode.language, { episodeName: 'en', overview: 'en' });
});

test('getEpisodesSummaryBySeriesId counts the aired episodes', async () => {
    const summary = await tvdb.getEpisodesSummaryBySeriesId(SCRUBS);
    assert.equal(summary.airedEpisodes, '194');
    assert.deepEqual(summary.airedSeasons, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
});

test('getSeriesImages returns the records of every key type', async () => {
    for (const keyType of KEY_TYPES) {
        const expected = scrubs.images.filter(i => i.keyType === keyType);
        assert.ok(expected.length > 0, keyType);
        const images = await tvdb.getSeriesImages(SCRUBS, keyType);
        assert.deepEqual(images.map(i => i.id), expected.map(i => i.id), keyType);
        for (const image of images) {
            assert.equal(image.keyType, keyType);
            assert.equal(image.language, expected.find(i => i.id === image.id).language);
            assert.equal(image.thumbnail, image.fileName.replace(/\.jpg$/, '_t.jpg'));
        }
    }
});

test('getSeriesPosters and getSeasonPosters filter by key type and season', async () => {
    const posters = await tvdb.getSeriesPosters(SCRUBS);
    assert.equal(posters.length, scrubs.images.filter(i => i.keyType === 'poster').length);
    const seasonOne = await tvdb.getSeasonPosters(SCRUBS, 1);
    const expected = scrubs.images.filter(i => i.keyType === 'season' && i.subKey === '1');
    assert.deepEqual(seasonOne.map(i => i.id), expected.map(i => i.id));
});

test('getSeriesBanner reads banner from the filter route', async () => {
    assert.equal(await tvdb.getSeriesBanner(SCRUBS), scrubs.series.banner);
});

test('getActors lists the actors in catalogue order', async () => {
    const actors = await tvdb.getActors(SCRUBS);
    assert.deepEqual(actors.map(a => a.name), scrubs.actors.map(a => a.name));
});

test('getSeriesAllById gives the series with all its episodes', async () => {
    const series = await tvdb.getSeriesAllById(SCRUBS);
    assert.equal(series.seriesName, 'Scrubs');
    assert.equal(series.season, '9');
    assert.equal(series.episodes.length, 194);
    assert.deepEqual(series.episodes.map(e => e.id), scrubs.episodes.map(e => e.id));
});

test('getUpdates lists the series changed in the window', async () => {
    const from = scrubs.series.lastUpdated - 60;
    const updates = await tvdb.getUpdates(from, from + 120);
    assert.ok(updates.some(u => u.id === SCRUBS && u.lastUpdated === scrubs.series.lastUpdated));
    await assert.rejects(tvdb.getUpdates(), /fromTime/);
});
