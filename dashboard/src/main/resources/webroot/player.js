// The web player: hls.js plays a song through the chosen peer (the peer's master playlist; playlists and
// segments are fetched from that peer, cross-origin, which the peer allows and whose X-CDN-* headers it
// exposes). Each loaded fragment is listed with X-CDN-Source, X-CDN-Hops, the holder or edge used,
// hls.js's own timings and the rendition's bitrate. window.player exposes the same for the browser tests.
(function () {
  'use strict';
  const player = window.player = {segments: [], ended: false, fatal: [], errors: [], bySource: {}};
  const $ = id => document.getElementById(id);
  let hls = null;

  function load(url) {
    return fetch(url).then(r => { if (!r.ok) { throw new Error(url + ': ' + r.status); } return r.json(); });
  }
  Promise.all([load('api/songs'), load('api/peers')]).then(([songs, peers]) => {
    $('song').innerHTML = songs.songs.map(s => `<option value="${s.songId}">${s.title || s.songId}</option>`).join('');
    $('peer').innerHTML = peers.peers.sort((a, b) => a.peerId.localeCompare(b.peerId, undefined, {numeric: true}))
      .map(p => `<option value="${p.baseUrl}">${p.peerId} (${p.region})</option>`).join('');
    player.ready = true;
    $('state').textContent = `${songs.songs.length} songs, ${peers.peers.length} live peers`;
  }).catch(e => { $('state').textContent = 'cannot list songs or peers: ' + e.message; player.fatal.push(String(e)); });

  $('play').addEventListener('click', () => play($('peer').value, $('song').value, Number($('rate').value)));

  function play(peerBaseUrl, songId, rate) {
    if (hls) { hls.destroy(); }
    player.segments = []; player.ended = false; player.fatal = []; player.errors = []; player.bySource = {};
    document.querySelector('#segments tbody').innerHTML = '';
    const media = $('media');
    hls = new Hls({maxBufferLength: 12, maxMaxBufferLength: 12});
    hls.on(Hls.Events.ERROR, (e, d) => {
      player.errors.push(d.details + (d.fatal ? ' (fatal)' : ''));
      if (d.fatal) { player.fatal.push(d.type + ' ' + d.details); $('state').textContent = 'fatal: ' + d.details; }
    });
    hls.on(Hls.Events.FRAG_LOADED, (e, d) => fragment(d));
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      media.playbackRate = rate;
      media.play().catch(err => player.fatal.push('play() ' + err));
    });
    media.onended = () => { player.ended = true; $('state').textContent = 'played to the end'; };
    media.onratechange = null;
    // With PLAYER_TOKEN_SECRET on the stack, this server signs a token for the song (the page never holds
    // the secret); the peer passes it on in every URI of the playlists it serves.
    load('api/player-token?song=' + encodeURIComponent(songId)).then(t => {
      const src = peerBaseUrl + '/hls/' + encodeURIComponent(songId) + '/master.m3u8'
        + (t.token ? '?token=' + t.token : '');
      $('state').textContent = 'playing ' + src;
      hls.loadSource(src);
      hls.attachMedia(media);
      window.hls = hls;
    }).catch(e => { $('state').textContent = 'no player token: ' + e.message; player.fatal.push(String(e)); });
  }
  player.play = play;

  function header(xhr, name) {
    return xhr && xhr.getResponseHeader ? xhr.getResponseHeader(name) : null;
  }
  function fragment(d) {
    const xhr = d.networkDetails;
    const st = d.frag.stats;
    const level = hls.levels[d.frag.level];
    const source = header(xhr, 'X-CDN-Source') || 'unknown';
    const seg = {
      sn: d.frag.sn, url: d.frag.url, source,
      hops: Number(header(xhr, 'X-CDN-Hops')),
      via: header(xhr, 'X-CDN-Peer') || header(xhr, 'X-CDN-Edge') || '',
      firstByteMs: st.loading.first - st.loading.start,
      latencyMs: st.loading.end - st.loading.start,
      bytes: st.total || st.loaded,
      bitrate: level ? level.bitrate : null,
    };
    player.segments.push(seg);
    player.bySource[source] = (player.bySource[source] || 0) + 1;
    const row = document.createElement('tr');
    row.innerHTML = `<td class="num">${seg.sn}</td><td>${seg.url.replace(/^.*\/segments\//, '')}</td>`
      + `<td class="src-${source}">${source}</td><td>${seg.via}</td><td class="num">${seg.hops}</td>`
      + `<td class="num">${seg.firstByteMs.toFixed(1)}</td><td class="num">${seg.latencyMs.toFixed(1)}</td>`
      + `<td class="num">${seg.bytes}</td><td class="num">${seg.bitrate ? Math.round(seg.bitrate / 1000) : '-'}</td>`;
    document.querySelector('#segments tbody').appendChild(row);
    $('nSegments').textContent = player.segments.length;
    ['local', 'peer', 'edge', 'origin'].forEach(s => {
      $('n' + s[0].toUpperCase() + s.slice(1)).textContent = player.bySource[s] || 0;
    });
    $('bitrate').textContent = seg.bitrate ? Math.round(seg.bitrate / 1000) + ' kbit/s' : '-';
  }
})();
