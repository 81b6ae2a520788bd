/* blockpress default theme: offline full-text search.
 *
 * The index is a set of plain scripts under search/ (written by
 * src/search/shards.rs) that call window.__bpSearch.*; they are loaded on
 * demand by adding <script> tags, so search works from file:// with no
 * server. Nothing is loaded until the search box is used. The matching and
 * ranking rules mirror src/search/tokenize.rs and src/search/query.rs: keep
 * both sides in step.
 *
 * Keys: "/" or Ctrl-K (Cmd-K) focus the box; arrows move through the
 * results, Enter opens one, Escape closes the list. search.html?q=words
 * shows every result; ?q= on any other page opens the list. */
(function () {
  "use strict";

  /* ---- Where the site root is ---------------------------------------- */

  var current = document.currentScript;
  var ROOT = current && current.src ? current.src.replace(/static\/search\.js(?:[?#].*)?$/, "") : "";

  /* ---- Constants shared with src/search ------------------------------ */

  var FORMAT_VERSION = 1;
  var MAX_TERM_CHARS = 40;
  var PREFIX_MIN_CHARS = 2;
  var TYPO_MIN_CHARS = 5;
  var MAX_EXPANSIONS = 50;
  var EXPANSION_BUDGET = 40000;
  var CONTEXT_FACTOR = 0.25;
  var PHRASE_BOOST = 2.0;
  var TYPO_FACTOR = 0.4;
  var COMPLETIONS = ["ing", "ed", "es", "s"];
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

  /* UI sizes. */
  var DROPDOWN_HITS = 8;
  var DROPDOWN_PER_PAGE = 3;
  var PAGE_STEP = 50;
  var SNIPPET_CHARS = 180;

  /* ---- Folding and words (src/search/tokenize.rs) --------------------- */

  var WORD_CHAR = /^[\p{Alphabetic}\p{N}]$/u;
  var MARKS = /\p{M}/gu;
  var foldCache = new Map();

  function foldChar(ch) {
    if (ch.charCodeAt(0) < 128) {
      return ch.toLowerCase();
    }
    var folded = foldCache.get(ch);
    if (folded === undefined) {
      folded = ch.toLowerCase().normalize("NFKD").replace(MARKS, "").replace(/\u03c2/g, "\u03c3");
      foldCache.set(ch, folded);
    }
    return folded;
  }

  function fold(text) {
    var out = "";
    for (var ch of text) {
      out += foldChar(ch);
    }
    return out;
  }

  function isCjk(ch) {
    var c = ch.codePointAt(0);
    return (
      (c >= 0x3040 && c <= 0x30ff) ||
      (c >= 0x3400 && c <= 0x4dbf) ||
      (c >= 0x4e00 && c <= 0x9fff) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0x20000 && c <= 0x2fa1f)
    );
  }

  function isWordChar(ch) {
    return ch !== undefined && WORD_CHAR.test(ch) && !isCjk(ch);
  }

  function cut(text) {
    var chars = Array.from(text);
    return chars.length > MAX_TERM_CHARS ? chars.slice(0, MAX_TERM_CHARS).join("") : text;
  }

  /* Folded characters of a text, each with the span of the original it came from. */
  function foldedChars(text) {
    var chars = [];
    var offset = 0;
    for (var ch of text) {
      for (var f of foldChar(ch)) {
        chars.push({ ch: f, start: offset, end: offset + ch.length });
      }
      offset += ch.length;
    }
    return chars;
  }

  /* Words of a text: {text, position, part, start, end}; start/end index the original text. */
  function words(text) {
    var chars = foldedChars(text);
    var out = [];
    var parts = [];
    var joiners = [];
    var position = 0;
    var previousIsWord = false;

    function emit(word, part, start, end) {
      out.push({ text: cut(word), position: position, part: part, start: start, end: end });
    }

    function finish() {
      if (parts.length > 1) {
        var whole = parts[0].text;
        for (var j = 1; j < parts.length; j++) {
          whole += joiners[j - 1] + parts[j].text;
        }
        emit(whole, false, parts[0].start, parts[parts.length - 1].end);
      }
      var isPart = parts.length > 1;
      parts.forEach(function (p) {
        emit(p.text, isPart, p.start, p.end);
        position += 1;
      });
      parts = [];
      joiners = [];
    }

    for (var i = 0; i < chars.length; i++) {
      var c = chars[i];
      var nextIsWord = i + 1 < chars.length && isWordChar(chars[i + 1].ch);
      if (isWordChar(c.ch)) {
        if (parts.length === 0) {
          parts.push({ text: "", start: c.start, end: c.end });
        }
        var last = parts[parts.length - 1];
        if (last.text === "") {
          last.start = c.start;
        }
        last.text += c.ch;
        last.end = c.end;
        previousIsWord = true;
        continue;
      }
      if (previousIsWord && nextIsWord && (c.ch === "'" || c.ch === "\u2019")) {
        continue;
      }
      if (previousIsWord && nextIsWord && (c.ch === "-" || c.ch === "_" || c.ch === ".")) {
        joiners.push(c.ch);
        parts.push({ text: "", start: c.end, end: c.end });
        previousIsWord = false;
        continue;
      }
      finish();
      previousIsWord = false;
      if (isCjk(c.ch)) {
        emit(c.ch, false, c.start, c.end);
        position += 1;
      }
    }
    finish();
    return out;
  }

  function isVowel(ch) {
    return "aeiouy".indexOf(ch) >= 0;
  }

  function endsWithAny(word, endings) {
    return endings.some(function (e) {
      return word.endsWith(e);
    });
  }

  function undouble(word) {
    var n = word.length;
    var last = word[n - 1];
    if (n >= 2 && last === word[n - 2] && !isVowel(last) && "lsz".indexOf(last) < 0) {
      return word.slice(0, -1);
    }
    return word;
  }

  /* Light English stemmer: plural endings, -ing/-ed, a final e; plain a-z words of 4+ letters. */
  function stem(word) {
    if (word.length < 4 || !/^[a-z]+$/.test(word)) {
      return word;
    }
    var s = word;
    if (s.length >= 5 && s.endsWith("ies")) {
      s = s.slice(0, -3) + "y";
    } else if (endsWithAny(s, ["sses", "xes", "ches", "shes", "zzes"])) {
      s = s.slice(0, -2);
    } else if (s.endsWith("s") && !endsWithAny(s, ["ss", "us", "is"])) {
      s = s.slice(0, -1);
    }
    for (var suffix of ["ing", "ed"]) {
      if (s.endsWith(suffix)) {
        var rest = s.slice(0, -suffix.length);
        if (rest.length >= 3 && /[aeiouy]/.test(rest)) {
          s = undouble(rest);
          break;
        }
      }
    }
    if (s.length >= 4 && s.endsWith("e")) {
      s = s.slice(0, -1);
    }
    return s;
  }

  /* ---- Query words and expansions (src/search/query.rs) --------------- */

  function parseQuery(query) {
    var list = words(query).filter(function (w) {
      return !w.part;
    });
    list.forEach(function (w) {
      w.prefix = false;
    });
    var typing = !/\s$/.test(query);
    if (list.length) {
      var last = list[list.length - 1];
      last.prefix = typing && Array.from(last.text).length >= PREFIX_MIN_CHARS;
    }
    return list;
  }

  function exactTerms(word) {
    var terms = [stem(word.text)];
    if (word.prefix) {
      COMPLETIONS.forEach(function (ending) {
        terms.push(stem(word.text + ending));
        for (var k = 1; k < ending.length; k++) {
          if (word.text.endsWith(ending.slice(0, k))) {
            terms.push(stem(word.text.slice(0, -k) + ending));
          }
        }
      });
    }
    return terms.filter(function (t, i) {
      return terms.indexOf(t) === i;
    });
  }

  function idf(docs, df) {
    return Math.log(1 + (docs - df + 0.5) / (df + 0.5));
  }

  function sameArrays(a, ai, b, bi) {
    if (a.length - ai !== b.length - bi) {
      return false;
    }
    for (; ai < a.length; ai++, bi++) {
      if (a[ai] !== b[bi]) {
        return false;
      }
    }
    return true;
  }

  function withinOneEdit(a, b) {
    var la = a.length;
    var lb = b.length;
    if (Math.abs(la - lb) > 1) {
      return false;
    }
    var i = 0;
    while (i < la && i < lb && a[i] === b[i]) {
      i++;
    }
    if (i === Math.min(la, lb)) {
      return true;
    }
    if (la === lb) {
      return (
        sameArrays(a, i + 1, b, i + 1) ||
        (i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && sameArrays(a, i + 2, b, i + 2))
      );
    }
    return la > lb ? sameArrays(a, i + 1, b, i) : sameArrays(a, i, b, i + 1);
  }

  function isTypoOf(word, term) {
    var typed = Array.from(word.text);
    var chars = Array.from(term);
    if (!word.prefix) {
      return withinOneEdit(typed, chars) || withinOneEdit(Array.from(stem(word.text)), chars);
    }
    for (var n = Math.max(typed.length - 1, 1); n <= typed.length + 1; n++) {
      if (n <= chars.length && withinOneEdit(typed, chars.slice(0, n))) {
        return true;
      }
    }
    return false;
  }

  function prefixFactor(typed, term) {
    return 0.5 + (0.5 * Array.from(typed).length) / Math.max(Array.from(term).length, 1);
  }

  /* ---- Loading the index ---------------------------------------------- */

  var index = {
    manifest: null,
    manifestPromise: null,
    termShards: new Map(), // shard number -> {terms: [sorted], map: Map(term -> encoded)}
    docShards: new Map(), // shard number -> [page entries]
    postingFiles: new Map(), // file number -> encoded postings of one big term
    loading: new Map(), // path -> Promise
    decoded: new Map(), // term -> postings
    docStarts: [],
  };

  window.__bpSearch = {
    manifest: function (data) {
      index.manifest = data;
    },
    terms: function (n, list) {
      var terms = [];
      var map = new Map();
      for (var i = 0; i + 1 < list.length; i += 2) {
        terms.push(list[i]);
        map.set(list[i], list[i + 1]);
      }
      index.termShards.set(n, { terms: terms, map: map });
    },
    docs: function (n, pages) {
      index.docShards.set(n, pages);
    },
    postings: function (n, text) {
      index.postingFiles.set(n, text);
    },
    timing: null,
  };

  function loadScript(path) {
    var known = index.loading.get(path);
    if (known) {
      return known;
    }
    var promise = new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = ROOT + path;
      tag.async = true;
      tag.onload = function () {
        resolve();
      };
      tag.onerror = function () {
        index.loading.delete(path);
        reject(new Error("could not load " + path));
      };
      document.head.appendChild(tag);
    });
    index.loading.set(path, promise);
    return promise;
  }

  var DIGIT_VALUE = new Int8Array(128).fill(-1);
  for (var d = 0; d < DIGITS.length; d++) {
    DIGIT_VALUE[DIGITS.charCodeAt(d)] = d;
  }

  /* Numbers of an encoded string: base 32, digits 32-63 carry on (src/search/shards.rs). */
  function readNumbers(text) {
    var out = [];
    var value = 0;
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      var digit = code < 128 ? DIGIT_VALUE[code] : -1;
      if (digit < 0) {
        continue;
      }
      value = value * 32 + (digit & 31);
      if (digit < 32) {
        out.push(value);
        value = 0;
      }
    }
    return out;
  }

  function loadManifest() {
    if (!index.manifestPromise) {
      index.manifestPromise = loadScript("search/manifest.js").then(function () {
        var m = index.manifest;
        if (!m || m.version !== FORMAT_VERSION) {
          throw new Error("search index format not supported");
        }
        var start = 0;
        index.docStarts = readNumbers(m.docShards).map(function (delta) {
          start += delta;
          return start;
        });
        return m;
      });
      index.manifestPromise.catch(function () {
        index.manifestPromise = null;
      });
    }
    return index.manifestPromise;
  }

  /* Index of the last item of a sorted array that is <= key. */
  function lastAtMost(sorted, key) {
    var lo = 0;
    var hi = sorted.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (sorted[mid] <= key) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  function termShardFor(term) {
    return lastAtMost(index.manifest.terms, term);
  }

  function loadTermShards(numbers) {
    var build = encodeURIComponent(index.manifest.build);
    return Promise.all(
      numbers.map(function (n) {
        return loadScript("search/t/" + n + ".js?v=" + build);
      })
    );
  }

  function loadDocShards(pages) {
    var build = encodeURIComponent(index.manifest.build);
    var numbers = new Set(
      pages.map(function (p) {
        return lastAtMost(index.docStarts, p);
      })
    );
    return Promise.all(
      Array.from(numbers).map(function (n) {
        return loadScript("search/d/" + n + ".js?v=" + build);
      })
    );
  }

  function pageEntry(page) {
    var n = lastAtMost(index.docStarts, page);
    var shard = index.docShards.get(n);
    return shard ? shard[page - index.docStarts[n]] : null;
  }

  /* Shards holding a word's exact terms and, for a prefix, its range. */
  function shardsFor(word) {
    var numbers = exactTerms(word).map(termShardFor);
    if (word.prefix) {
      var last = termShardFor(word.text + "\uffff");
      for (var n = termShardFor(word.text); n <= last; n++) {
        numbers.push(n);
      }
    }
    return numbers;
  }

  /* A term's entry: its encoded postings, or [document count, file] for a big term. */
  function lookup(term) {
    var shard = index.termShards.get(termShardFor(term));
    return shard ? shard.map.get(term) : undefined;
  }

  function encodedPostings(term) {
    var entry = lookup(term);
    return Array.isArray(entry) ? index.postingFiles.get(entry[1]) : entry;
  }

  /* Loads the own files of the big terms among `terms`. */
  function loadPostingFiles(terms) {
    var build = encodeURIComponent(index.manifest.build);
    var files = new Set();
    terms.forEach(function (t) {
      var entry = lookup(t);
      if (Array.isArray(entry) && !index.postingFiles.has(entry[1])) {
        files.add(entry[1]);
      }
    });
    return Promise.all(
      Array.from(files).map(function (n) {
        return loadScript("search/p/" + n + ".js?v=" + build);
      })
    );
  }

  var KEY_SCALE = 1048576; // a document key is page * KEY_SCALE + block

  /* A term's postings, decoded once: {keys, scores, positions, count}, sorted by key. */
  function postings(term) {
    var cached = index.decoded.get(term);
    if (cached) {
      return cached;
    }
    var text = encodedPostings(term);
    if (text === undefined) {
      return null;
    }
    var at = 0;
    var next = function () {
      var value = 0;
      while (at < text.length) {
        var code = text.charCodeAt(at++);
        var digit = code < 128 ? DIGIT_VALUE[code] : -1;
        if (digit >= 0) {
          value = value * 32 + (digit & 31);
          if (digit < 32) {
            return value;
          }
        }
      }
      return value;
    };
    var count = next();
    var list = {
      keys: new Float64Array(count),
      scores: new Uint8Array(count),
      positions: new Uint32Array(count),
      count: count,
    };
    var page = 0;
    var block = -1;
    for (var k = 0; k < count; k++) {
      var delta = next();
      page += delta;
      var field = next();
      block = delta === 0 ? block + 1 + field : field;
      list.keys[k] = page * KEY_SCALE + block;
      list.scores[k] = next();
      list.positions[k] = next();
    }
    index.decoded.set(term, list);
    return list;
  }

  function documentFrequency(term) {
    var entry = lookup(term);
    if (entry === undefined) {
      return 0;
    }
    return Array.isArray(entry) ? entry[0] : readNumbers(entry.slice(0, 8))[0];
  }

  /* ---- Matching and ranking ------------------------------------------- */

  /* The most frequent terms starting with the word, within MAX_EXPANSIONS and EXPANSION_BUDGET. */
  function prefixTerms(word, exclude) {
    var found = [];
    var first = termShardFor(word.text);
    var last = termShardFor(word.text + "\uffff");
    for (var n = first; n <= last; n++) {
      var shard = index.termShards.get(n);
      if (!shard) {
        continue;
      }
      for (var i = lastAtMost(shard.terms, word.text); i < shard.terms.length; i++) {
        var term = shard.terms[i];
        if (term < word.text) {
          continue;
        }
        if (!term.startsWith(word.text)) {
          break;
        }
        if (exclude.indexOf(term) < 0) {
          found.push({ term: term, df: documentFrequency(term) });
        }
      }
    }
    found.sort(function (a, b) {
      return b.df - a.df || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0);
    });
    var total = exclude.reduce(function (sum, t) {
      return sum + documentFrequency(t);
    }, 0);
    var taken = [];
    for (var k = 0; k < found.length && k < MAX_EXPANSIONS; k++) {
      if (k > 0 && total + found[k].df > EXPANSION_BUDGET) {
        break;
      }
      total += found[k].df;
      taken.push({ term: found[k].term, factor: prefixFactor(word.text, found[k].term) });
    }
    return taken;
  }

  function typoTerms(word) {
    var found = [];
    index.termShards.forEach(function (shard) {
      shard.terms.forEach(function (term) {
        if (isTypoOf(word, term)) {
          found.push({ term: term, factor: TYPO_FACTOR });
        }
      });
    });
    return found;
  }

  function expand(word) {
    var exact = exactTerms(word).filter(function (t) {
      return lookup(t) !== undefined;
    });
    var found = exact.map(function (t) {
      return { term: t, factor: 1 };
    });
    if (word.prefix) {
      found = found.concat(prefixTerms(word, exact));
    }
    if (!found.length && Array.from(word.text).length >= TYPO_MIN_CHARS) {
      found = typoTerms(word);
    }
    return found;
  }

  var EMPTY = { keys: new Float64Array(0), scores: new Float64Array(0), positions: new Uint32Array(0), n: 0 };

  /* A posting list as matches: {keys, scores, positions, n}, scores weighted. */
  function weighted(list, weight) {
    var scores = new Float64Array(list.count);
    for (var i = 0; i < list.count; i++) {
      scores[i] = weight * list.scores[i];
    }
    return { keys: list.keys, scores: scores, positions: list.positions, n: list.count };
  }

  /* Union of two match lists sorted by key: the better score wins, `a` on a tie. */
  function union(a, b) {
    var size = a.n + b.n;
    var out = { keys: new Float64Array(size), scores: new Float64Array(size), positions: new Uint32Array(size), n: 0 };
    var i = 0;
    var j = 0;
    function take(list, at) {
      out.keys[out.n] = list.keys[at];
      out.scores[out.n] = list.scores[at];
      out.positions[out.n] = list.positions[at];
      out.n++;
    }
    while (i < a.n || j < b.n) {
      if (j >= b.n || (i < a.n && a.keys[i] < b.keys[j])) {
        take(a, i++);
      } else if (i >= a.n || b.keys[j] < a.keys[i]) {
        take(b, j++);
      } else {
        take(b.scores[j] > a.scores[i] ? b : a, b.scores[j] > a.scores[i] ? j : i);
        i++;
        j++;
      }
    }
    return out;
  }

  /* A word's matches: the union of its expansions' postings. */
  function wordMatches(expansions, docs) {
    var lists = expansions.map(function (e) {
      var list = postings(e.term);
      return weighted(list, idf(docs, list.count) * e.factor);
    });
    while (lists.length > 1) {
      var merged = [];
      for (var i = 0; i < lists.length; i += 2) {
        merged.push(i + 1 < lists.length ? union(lists[i], lists[i + 1]) : lists[i]);
      }
      lists = merged;
    }
    return { list: lists[0] || EMPTY, terms: expansions };
  }

  function isPhrase(qwords, positions) {
    if (qwords.length < 2) {
      return false;
    }
    return qwords.every(function (w, i) {
      return positions[i] >= 0 && positions[i] - positions[0] === w.position - qwords[0].position;
    });
  }

  /* Smallest key at the heads of the lists, or Infinity. */
  function smallestHead(lists, heads) {
    var key = Infinity;
    for (var i = 0; i < lists.length; i++) {
      if (heads[i] < lists[i].n && lists[i].keys[heads[i]] < key) {
        key = lists[i].keys[heads[i]];
      }
    }
    return key;
  }

  /* Every document matching all words (directly or through its page), in key order. */
  function rank(qwords, expansions) {
    var docs = index.manifest.docs;
    var matches = expansions.map(function (e) {
      return wordMatches(e, docs);
    });
    var lists = matches.map(function (m) {
      return m.list;
    });
    var k = lists.length;
    var size = lists.reduce(function (sum, l) {
      return sum + l.n;
    }, 0);
    var keys = new Float64Array(size);
    var scores = new Float64Array(size);
    var n = 0;
    var heads = new Int32Array(k);
    var contextPage = new Float64Array(k).fill(-1);
    var contextScore = new Float64Array(k);
    var positions = new Array(k);
    for (var key = smallestHead(lists, heads); key !== Infinity; key = smallestHead(lists, heads)) {
      var block = key % KEY_SCALE;
      var page = (key - block) / KEY_SCALE;
      var score = 0;
      var ok = true;
      for (var i = 0; i < k; i++) {
        var l = lists[i];
        if (heads[i] < l.n && l.keys[heads[i]] === key) {
          score += l.scores[heads[i]];
          positions[i] = l.positions[heads[i]];
          if (block === 0) {
            contextPage[i] = page;
            contextScore[i] = l.scores[heads[i]];
          }
          heads[i]++;
        } else if (block > 0 && contextPage[i] === page) {
          score += contextScore[i] * CONTEXT_FACTOR;
          positions[i] = -1;
        } else {
          ok = false;
        }
      }
      if (ok) {
        keys[n] = key;
        scores[n] = isPhrase(qwords, positions) ? score * PHRASE_BOOST : score;
        n++;
      }
    }
    var terms = new Set();
    matches.forEach(function (m) {
      m.terms.forEach(function (e) {
        terms.add(e.term);
      });
    });
    return { keys: keys.subarray(0, n), scores: scores.subarray(0, n), n: n, terms: terms, order: null };
  }

  /* The best `count` of `n` items (a bounded heap whose root is the worst kept). */
  function best(n, count, better) {
    var heap = new Int32Array(count);
    var size = 0;
    var swap = function (i, j) {
      var t = heap[i];
      heap[i] = heap[j];
      heap[j] = t;
    };
    for (var item = 0; item < n; item++) {
      var i;
      if (size < count) {
        heap[size] = item;
        for (i = size++; i > 0 && better(heap[(i - 1) >> 1], heap[i]); i = (i - 1) >> 1) {
          swap(i, (i - 1) >> 1);
        }
      } else if (better(item, heap[0])) {
        heap[0] = item;
        for (i = 0; ; ) {
          var l = 2 * i + 1;
          var w = i;
          if (l < size && better(heap[w], heap[l])) {
            w = l;
          }
          if (l + 1 < size && better(heap[w], heap[l + 1])) {
            w = l + 1;
          }
          if (w === i) {
            break;
          }
          swap(i, w);
          i = w;
        }
      }
    }
    return Array.from(heap.subarray(0, size));
  }

  /* Indexes of the best `count` hits (or all), best first; ties in page and block order. */
  function ordered(result, count) {
    if (result.order && (result.order.length >= count || result.complete)) {
      return result.order;
    }
    var scores = result.scores;
    var better = function (a, b) {
      return scores[a] > scores[b] || (scores[a] === scores[b] && a < b);
    };
    var order;
    if (count * 4 < result.n) {
      order = best(result.n, count, better);
    } else {
      order = [];
      for (var i = 0; i < result.n; i++) {
        order.push(i);
      }
    }
    order.sort(function (a, b) {
      return scores[b] - scores[a] || a - b;
    });
    result.order = order;
    result.complete = order.length === result.n;
    return order;
  }

  /* Hits `from` to `to` in rank order: [{page, block, score}]. */
  function hits(result, from, to) {
    var order = ordered(result, Math.min(to, result.n));
    return order.slice(from, to).map(function (i) {
      var key = result.keys[i];
      var block = key % KEY_SCALE;
      return { page: (key - block) / KEY_SCALE, block: block, score: result.scores[i] };
    });
  }

  /* Runs a query: resolves to {words, keys, scores, n, terms}; see hits() for the ranking. */
  function search(query) {
    var qwords = parseQuery(query);
    if (!qwords.length) {
      return Promise.resolve({ words: [], keys: [], scores: [], n: 0, terms: new Set(), order: null });
    }
    var expansions;
    return loadManifest()
      .then(function () {
        var numbers = [];
        qwords.forEach(function (w) {
          numbers = numbers.concat(shardsFor(w));
        });
        return loadTermShards(Array.from(new Set(numbers)));
      })
      .then(function () {
        expansions = qwords.map(expand);
        var terms = [];
        expansions.forEach(function (list) {
          list.forEach(function (e) {
            terms.push(e.term);
          });
        });
        return loadPostingFiles(terms);
      })
      .then(function () {
        var ranked = rank(qwords, expansions);
        ranked.words = qwords;
        return ranked;
      });
  }

  /* ---- Result descriptions and snippets ------------------------------- */

  function firstLine(text) {
    var line = (text || "").split("\n")[0];
    return line.length > 48 ? line.slice(0, 47) + "\u2026" : line;
  }

  function isMatch(word, result) {
    if (result.terms.has(stem(word.text)) || result.terms.has(word.text)) {
      return true;
    }
    return result.words.some(function (q) {
      return q.prefix && word.text.startsWith(q.text);
    });
  }

  /* Marked ranges of a text: [[start, end], ...], merged. */
  function marks(text, result) {
    var ranges = [];
    words(text).forEach(function (w) {
      if (isMatch(w, result)) {
        ranges.push([w.start, w.end]);
      }
    });
    ranges.sort(function (a, b) {
      return a[0] - b[0];
    });
    var merged = [];
    ranges.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) {
        last[1] = Math.max(last[1], r[1]);
      } else {
        merged.push(r.slice());
      }
    });
    return merged;
  }

  /* A window of the text around the first mark: {text, ranges}. */
  function snippet(text, result) {
    text = text.replace(/\s+/g, " ").trim();
    var ranges = marks(text, result);
    var start = 0;
    if (ranges.length && ranges[0][0] > SNIPPET_CHARS / 3) {
      start = text.lastIndexOf(" ", ranges[0][0] - 40) + 1;
    }
    var end = Math.min(text.length, start + SNIPPET_CHARS);
    if (end < text.length) {
      var space = text.lastIndexOf(" ", end);
      end = space > start ? space : end;
    }
    var shown = text.slice(start, end);
    var shifted = ranges
      .filter(function (r) {
        return r[0] >= start && r[1] <= end;
      })
      .map(function (r) {
        return [r[0] - start, r[1] - start];
      });
    return {
      text: shown,
      before: start > 0,
      after: end < text.length,
      ranges: shifted,
    };
  }

  function crumbs(page, block) {
    var list = [];
    var parent = page[4][block] ? page[4][block][0] : -1;
    for (var guard = 0; parent >= 0 && guard < 64; guard++) {
      var entry = page[4][parent];
      if (!entry) {
        break;
      }
      var title = firstLine(entry[2] || "");
      if (title) {
        list.unshift(title);
      }
      parent = entry[0];
    }
    return list;
  }

  function describePage(page, result) {
    var aliases = page[2].join(", ");
    var tags = page[3].join(", ");
    var about = [];
    if (aliases) {
      about.push("Alias: " + aliases);
    }
    if (tags) {
      about.push("Tags: " + tags);
    }
    var text = about.join(" \u00b7 ");
    if (!text || !marks(text, result).length) {
      var first = page[4].find(function (b) {
        return b[2];
      });
      text = first ? first[2] : text;
    }
    return { crumbs: [], snippet: snippet(text, result), code: false };
  }

  function describe(hit, result) {
    var page = pageEntry(hit.page);
    if (!page) {
      return null;
    }
    var described;
    if (hit.block === 0) {
      described = describePage(page, result);
      described.url = page[1];
    } else {
      var block = page[4][hit.block - 1] || [];
      var text = block[2] || "";
      var code = block[3] || "";
      var useCode = code && !marks(text, result).length && marks(code, result).length;
      described = {
        url: page[1] + "#" + (block[1] || ""),
        crumbs: crumbs(page, hit.block - 1),
        snippet: snippet(useCode ? code : text, result),
        code: !!useCode,
      };
    }
    described.title = page[0];
    return described;
  }

  /* ---- DOM helpers ----------------------------------------------------- */

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) {
      el.className = className;
    }
    if (text !== undefined) {
      el.textContent = text;
    }
    return el;
  }

  function snippetNode(s, code) {
    var node = element(code ? "code" : "span", "search-snippet");
    var at = 0;
    if (s.before) {
      node.appendChild(document.createTextNode("\u2026"));
    }
    s.ranges.forEach(function (r) {
      node.appendChild(document.createTextNode(s.text.slice(at, r[0])));
      node.appendChild(element("mark", "", s.text.slice(r[0], r[1])));
      at = r[1];
    });
    node.appendChild(document.createTextNode(s.text.slice(at)));
    if (s.after) {
      node.appendChild(document.createTextNode("\u2026"));
    }
    return node;
  }

  function crumbsNode(list) {
    var node = element("span", "search-crumbs");
    list.forEach(function (c) {
      node.appendChild(element("span", "search-crumb", c));
    });
    return node;
  }

  /* Fills `anchor` with a result's title, breadcrumb and snippet. */
  function fillHit(anchor, d) {
    anchor.href = ROOT + d.url;
    anchor.appendChild(element("span", "search-hit-title", d.title));
    if (d.crumbs.length) {
      anchor.appendChild(crumbsNode(d.crumbs));
    }
    if (d.snippet.text) {
      anchor.appendChild(snippetNode(d.snippet, d.code));
    }
  }

  function queryFromLocation() {
    try {
      return new URLSearchParams(window.location.search).get("q") || "";
    } catch (e) {
      return "";
    }
  }

  function isEditable(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  /* Hits to show: at most `limit`, at most `perPage` from one page. */
  function pick(result, limit, perPage) {
    for (var count = limit * 8; ; count *= 4) {
      var shown = [];
      var perPageCount = new Map();
      var ranked = hits(result, 0, count);
      for (var i = 0; i < ranked.length && shown.length < limit; i++) {
        var n = perPageCount.get(ranked[i].page) || 0;
        if (n < perPage) {
          perPageCount.set(ranked[i].page, n + 1);
          shown.push(ranked[i]);
        }
      }
      if (shown.length >= limit || count >= result.n) {
        return shown;
      }
    }
  }

  function describeAll(list, result) {
    return loadDocShards(
      list.map(function (h) {
        return h.page;
      })
    ).then(function () {
      return list
        .map(function (h) {
          return describe(h, result);
        })
        .filter(Boolean);
    });
  }

  /* ---- The dropdown under the header box ------------------------------ */

  function Dropdown(form, input) {
    this.form = form;
    this.input = input;
    this.active = -1;
    this.options = [];
    this.sequence = 0;
    this.panel = element("div", "search-panel");
    this.panel.id = "search-listbox";
    this.panel.setAttribute("role", "listbox");
    this.panel.setAttribute("aria-label", "Search results");
    this.panel.hidden = true;
    this.status = element("p", "search-status");
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    form.appendChild(this.panel);
    form.appendChild(this.status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", this.panel.id);
    form.classList.add("search-ready");
    this.bind();
  }

  Dropdown.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("focus", function () {
      loadManifest().catch(function () {});
      if (self.input.value.trim() && self.options.length) {
        self.open(true);
      }
    });
    this.input.addEventListener("input", function () {
      self.update(performance.now());
    });
    this.input.addEventListener("keydown", function (event) {
      self.onKey(event);
    });
    this.form.addEventListener("focusout", function (event) {
      if (!self.form.contains(event.relatedTarget)) {
        self.open(false);
      }
    });
    this.panel.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the box while clicking a result
    });
  };

  Dropdown.prototype.open = function (yes) {
    this.panel.hidden = !yes;
    this.input.setAttribute("aria-expanded", yes ? "true" : "false");
  };

  Dropdown.prototype.setActive = function (i) {
    this.options.forEach(function (o, k) {
      o.setAttribute("aria-selected", k === i ? "true" : "false");
    });
    this.active = i;
    if (i >= 0 && this.options[i]) {
      this.input.setAttribute("aria-activedescendant", this.options[i].id);
      this.options[i].scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  };

  Dropdown.prototype.onKey = function (event) {
    var n = this.options.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!n) {
        return;
      }
      event.preventDefault();
      this.open(true);
      var step = event.key === "ArrowDown" ? 1 : -1;
      this.setActive((this.active + step + n) % n);
    } else if (event.key === "Enter" && !event.isComposing) {
      var option = this.options[this.active];
      if (option && !this.panel.hidden) {
        event.preventDefault();
        window.location.href = option.href;
      }
    } else if (event.key === "Escape") {
      if (!this.panel.hidden) {
        event.preventDefault();
        this.open(false);
      } else {
        this.input.blur();
      }
    }
  };

  Dropdown.prototype.update = function (startedAt) {
    var self = this;
    var query = this.input.value;
    var sequence = ++this.sequence;
    if (!query.trim()) {
      this.render([], query, null);
      return;
    }
    search(query)
      .then(function (result) {
        if (sequence !== self.sequence) {
          return null;
        }
        var searched = performance.now() - startedAt;
        var shown = pick(result, DROPDOWN_HITS, DROPDOWN_PER_PAGE);
        return describeAll(shown, result).then(function (described) {
          if (sequence === self.sequence) {
            self.render(described, query, result);
            var ms = performance.now() - startedAt;
            window.__bpSearch.timing = { query: query, ms: ms, search: searched, hits: result.n };
          }
        });
      })
      .catch(function () {
        if (sequence === self.sequence) {
          self.fail();
        }
      });
  };

  Dropdown.prototype.fail = function () {
    this.panel.textContent = "";
    this.panel.appendChild(element("p", "search-empty", "The search index could not be loaded."));
    this.options = [];
    this.open(true);
  };

  Dropdown.prototype.render = function (described, query, result) {
    var self = this;
    this.panel.textContent = "";
    this.options = [];
    if (!result) {
      this.status.textContent = "";
      this.open(false);
      return;
    }
    described.forEach(function (d, i) {
      var option = element("a", "search-hit");
      option.id = "search-hit-" + i;
      option.setAttribute("role", "option");
      option.tabIndex = -1;
      fillHit(option, d);
      self.panel.appendChild(option);
      self.options.push(option);
    });
    if (!described.length) {
      this.panel.appendChild(element("p", "search-empty", "No results for \u201c" + query.trim() + "\u201d"));
    }
    var all = element("a", "search-all", "All results (" + result.n + ") \u2192");
    all.href = ROOT + "search.html?q=" + encodeURIComponent(query.trim());
    all.id = "search-hit-all";
    all.setAttribute("role", "option");
    all.tabIndex = -1;
    this.panel.appendChild(all);
    this.options.push(all);
    this.status.textContent = result.n + " results";
    this.setActive(described.length ? 0 : -1);
    this.open(document.activeElement === this.input || !!described.length);
  };

  /* ---- The search page ------------------------------------------------- */

  function ResultsPage(input, list, status, more) {
    this.input = input;
    this.list = list;
    this.status = status;
    this.more = more;
    this.shown = 0;
    this.result = null;
    this.sequence = 0;
    var self = this;
    var timer = null;
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        self.run(input.value, true);
      }, 120);
    });
    more.addEventListener("click", function () {
      self.showMore();
    });
  }

  ResultsPage.prototype.run = function (query, remember) {
    var self = this;
    var sequence = ++this.sequence;
    if (remember) {
      try {
        window.history.replaceState(null, "", "?q=" + encodeURIComponent(query.trim()));
      } catch (e) {
        /* some browsers refuse history changes on file:// pages */
      }
    }
    this.list.textContent = "";
    this.shown = 0;
    this.more.hidden = true;
    if (!query.trim()) {
      this.status.textContent = "Type words to search every page.";
      return;
    }
    this.status.textContent = "Searching\u2026";
    search(query)
      .then(function (result) {
        if (sequence === self.sequence) {
          self.result = result;
          self.status.textContent =
            result.n === 1 ? "1 result" : result.n + " results";
          return self.showMore();
        }
        return null;
      })
      .catch(function () {
        self.status.textContent = "The search index could not be loaded.";
      });
  };

  ResultsPage.prototype.showMore = function () {
    var self = this;
    var sequence = this.sequence;
    var next = hits(this.result, this.shown, this.shown + PAGE_STEP);
    this.shown += next.length;
    return describeAll(next, this.result).then(function (described) {
      if (sequence !== self.sequence) {
        return;
      }
      described.forEach(function (d) {
        var item = element("li", "search-result");
        var link = element("a", "search-hit");
        fillHit(link, d);
        item.appendChild(link);
        self.list.appendChild(item);
      });
      self.more.hidden = self.shown >= self.result.n;
    });
  };

  /* ---- Wiring ---------------------------------------------------------- */

  function setupKeys(input) {
    document.addEventListener("keydown", function (event) {
      var slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey;
      var ctrlK = (event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K");
      if ((slash && !isEditable(event.target)) || ctrlK) {
        event.preventDefault();
        input.focus();
        input.select();
      }
    });
  }

  function init() {
    var form = document.querySelector("#search form");
    var input = form && form.querySelector("input[name=q]");
    var pageInput = document.getElementById("search-page-input");
    if (input) {
      var dropdown = new Dropdown(form, input);
      setupKeys(pageInput || input);
      var q = queryFromLocation();
      if (q && !pageInput) {
        input.value = q;
        dropdown.update(performance.now());
      }
    }
    if (pageInput) {
      var page = new ResultsPage(
        pageInput,
        document.getElementById("search-page-results"),
        document.getElementById("search-page-status"),
        document.getElementById("search-page-more")
      );
      pageInput.value = queryFromLocation();
      page.run(pageInput.value, false);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  /* For tests and tools: the same rules as src/search, callable from a console. */
  window.__bpSearch.api = { fold: fold, words: words, stem: stem, parseQuery: parseQuery, search: search, hits: hits };
})();
