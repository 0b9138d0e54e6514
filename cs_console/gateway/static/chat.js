// Buyer chat page: one WebSocket, reconnect with backoff, unsent messages resent after a drop.
// Every text from the network is shown with textContent (never innerHTML).
"use strict";
(function () {
  const shop = decodeURIComponent(location.pathname.split("/")[2] || "");
  const store = window.localStorage;
  const pendingKey = "cs-pending:" + shop;
  const orderKey = "cs-order:" + shop;
  const log = document.getElementById("log");
  const conn = document.getElementById("conn");
  const text = document.getElementById("text");
  const order = document.getElementById("order");
  const byId = new Map();        // message id → element
  const byClient = new Map();    // client id → element (the buyer's own lines)
  let pending = [];
  try { pending = JSON.parse(store.getItem(pendingKey) || "[]"); } catch (e) { pending = []; }
  order.value = store.getItem(orderKey) || "";
  let ws = null, backoff = 500, unread = [];

  function savePending() { store.setItem(pendingKey, JSON.stringify(pending)); }

  function newId() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function fmt(at) {
    const d = at ? new Date(at) : new Date();
    return isNaN(d) ? "" : d.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" });
  }

  function line(from, body, at) {
    const el = document.createElement("div");
    el.className = "msg " + (from === "agent" ? "agent" : "buyer");
    const t = document.createElement("span");
    t.className = "text";
    t.textContent = body;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = (from === "agent" ? "客服 " : "") + fmt(at);
    el.append(t, meta);
    log.append(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }

  function show(m) {
    if (byId.has(m.id)) return;
    let el = m.client_id ? byClient.get(m.client_id) : null;
    if (el) { el.classList.remove("pending", "failed"); }
    else { el = line(m.from, m.text, m.at); if (m.client_id) byClient.set(m.client_id, el); }
    el.dataset.id = String(m.id);
    byId.set(m.id, el);
    if (m.from === "agent") {
      // shown while the page is visible: one "read" (it implies delivered); else ack now, read later
      if (m.delivery_id && document.visibilityState !== "visible") send({ type: "ack", ids: [m.delivery_id] });
      unread.push(m.id);
      markRead();
    }
  }

  function markRead() {
    if (document.visibilityState === "visible" && unread.length && ws && ws.readyState === 1) {
      send({ type: "read", ids: unread });
      unread = [];
    }
  }

  function send(frame) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  function flush() {
    for (const p of pending) send({ type: "send", client_id: p.client_id, text: p.text, order_no: p.order_no || null });
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/chat/" + encodeURIComponent(shop) + "/ws");
    ws.onopen = function () {
      backoff = 500;
      conn.textContent = "已连接";
      conn.classList.remove("down");
      flush();
      markRead();
    };
    ws.onmessage = function (ev) {
      let f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f.type === "history") { for (const m of f.items) show(m); }
      else if (f.type === "msg") { show(f); }
      else if (f.type === "sent") {
        pending = pending.filter((p) => p.client_id !== f.client_id);
        savePending();
        const el = byClient.get(f.client_id);
        if (el) { el.classList.remove("pending"); el.dataset.id = String(f.id); byId.set(f.id, el); }
      } else if (f.type === "error") {
        const el = byClient.get(f.client_id);
        if (f.code !== 429) {
          pending = pending.filter((p) => p.client_id !== f.client_id);
          savePending();
          if (el) el.classList.add("failed");
        }
        if (el) el.querySelector(".meta").textContent = f.message;
        if (f.code === 429) setTimeout(flush, 3000);
      }
    };
    ws.onclose = function () {
      conn.textContent = "连接中断，正在重连…";
      conn.classList.add("down");
      const wait = backoff + Math.random() * backoff;
      backoff = Math.min(backoff * 2, 15000);
      setTimeout(connect, wait);
    };
  }

  document.getElementById("compose").addEventListener("submit", function (ev) {
    ev.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    const p = { client_id: newId(), text: body, order_no: order.value.trim() || null };
    store.setItem(orderKey, order.value.trim());
    pending.push(p);
    savePending();
    const el = line("buyer", body, null);
    el.classList.add("pending");
    byClient.set(p.client_id, el);
    send({ type: "send", client_id: p.client_id, text: p.text, order_no: p.order_no });
    text.value = "";
    text.focus();
  });
  text.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      document.getElementById("compose").requestSubmit();
    }
  });
  document.addEventListener("visibilitychange", markRead);
  for (const p of pending) {  // unsent before a reload: show them, they go out on connect
    const el = line("buyer", p.text, null);
    el.classList.add("pending");
    byClient.set(p.client_id, el);
  }
  connect();
})();
