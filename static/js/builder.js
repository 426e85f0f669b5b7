/* The course and quiz builders: rows put in order by dragging their handle or with the
   arrow buttons (the keyboard's way), saved at once through the authoring API
   (PUT .../order/ with every sibling's id), without reloading; a refused save puts the
   rows back. Forms that add a row show only the fields of the kind chosen; buttons with
   data-confirm ask first. */
(function () {
  "use strict";
  var root = document.querySelector(".builder");
  if (!root) return;
  var csrf = root.getAttribute("data-csrf");
  var status = document.getElementById("builder-status");

  function say(text) {
    if (status) status.textContent = text;
  }

  function rows(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.hasAttribute("data-id");
    });
  }

  // Saves of one list go one at a time, in order: each sends the order the rows have
  // when its turn comes, so a quick second move never reaches the server before the
  // first, and a refused one puts back the last order the server accepted.
  function save(list, before, moved) {
    if (!list._confirmed) list._confirmed = before || snapshot(list);
    if (snapshot(list).join() === list._confirmed.join() && !list._pending) return;
    var title = moved ? moved.getAttribute("data-title") : "";
    say(root.getAttribute("data-saving") || "Saving…");
    list._pending = (list._pending || 0) + 1;
    list._queue = (list._queue || Promise.resolve()).then(function () {
      var order = snapshot(list);
      if (order.join() === list._confirmed.join()) return null;
      return fetch(list.getAttribute("data-order-url"), {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
        body: JSON.stringify({ order: order })
      }).then(function (response) {
        if (!response.ok) throw response;
        list._confirmed = order;
        var position = order.indexOf(Number(moved.getAttribute("data-id"))) + 1;
        say("“" + title + "”: " + position + " / " + order.length + " ✓");
      });
    }).catch(function () {
      restore(list, list._confirmed);
      say("The new order could not be saved (the page may be out of date): reload it and try again.");
    }).then(function () {
      list._pending -= 1;
    });
  }

  function restore(list, order) {
    var byId = {};
    rows(list).forEach(function (el) { byId[el.getAttribute("data-id")] = el; });
    (order || []).forEach(function (id) { if (byId[id]) list.appendChild(byId[id]); });
  }

  function snapshot(list) {
    return rows(list).map(function (el) { return Number(el.getAttribute("data-id")); });
  }

  // The arrow buttons.
  root.addEventListener("click", function (event) {
    var button = event.target.closest(".builder-move");
    if (!button) return;
    var item = button.closest("li[data-id]");
    var list = item.parentElement;
    var before = snapshot(list);
    var siblings = rows(list);
    var index = siblings.indexOf(item);
    if (button.getAttribute("data-move") === "up" && index > 0) {
      list.insertBefore(item, siblings[index - 1]);
    } else if (button.getAttribute("data-move") === "down" && index < siblings.length - 1) {
      list.insertBefore(item, siblings[index + 1].nextSibling);
    } else {
      return;
    }
    button.focus();
    save(list, before, item);
  });

  // Dragging by the handle, within the same list.
  var dragged = null, origin = null;
  root.addEventListener("dragstart", function (event) {
    var handle = event.target.closest && event.target.closest(".builder-handle");
    if (!handle) return;
    dragged = handle.closest("li[data-id]");
    origin = snapshot(dragged.parentElement);
    dragged.classList.add("builder-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged.getAttribute("data-id"));
    event.dataTransfer.setDragImage(dragged, 10, 10);
  });
  root.addEventListener("dragover", function (event) {
    if (!dragged) return;
    var over = event.target.closest && event.target.closest("li[data-id]");
    while (over && over.parentElement !== dragged.parentElement) {
      over = over.parentElement.closest("li[data-id]");
    }
    if (!over || over === dragged) {
      if (over === dragged) event.preventDefault();
      return;
    }
    event.preventDefault();
    var box = over.getBoundingClientRect();
    var after = event.clientY > box.top + box.height / 2;
    over.parentElement.insertBefore(dragged, after ? over.nextSibling : over);
  });
  root.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });
  root.addEventListener("dragend", function (event) {
    if (!dragged) return;
    var item = dragged, before = origin;
    dragged.classList.remove("builder-dragging");
    dragged = null;
    if (event.dataTransfer && event.dataTransfer.dropEffect === "none") {
      // Cancelled (Escape, or let go outside the list): the rows go back, nothing saved.
      restore(item.parentElement, before);
      return;
    }
    save(item.parentElement, before, item);
  });

  // Confirmation before deleting.
  root.addEventListener("submit", function (event) {
    var button = event.submitter || event.target.querySelector("[data-confirm]");
    var question = button && button.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // The add forms show the fields their kind needs (data-kind-fields on the form:
  // {"kind": ["field", ...]}), or every field when there is no script.
  function showKind(form) {
    var select = form.querySelector("select[name=kind]");
    var map = JSON.parse(form.getAttribute("data-kind-fields") || "{}");
    if (!select) return;
    var wanted = map[select.value] || [];
    var all = {};
    Object.keys(map).forEach(function (kind) { map[kind].forEach(function (f) { all[f] = true; }); });
    Array.prototype.forEach.call(form.querySelectorAll("[data-field]"), function (el) {
      var name = el.getAttribute("data-field");
      if (all[name]) el.hidden = wanted.indexOf(name) === -1;
    });
  }
  Array.prototype.forEach.call(root.querySelectorAll("form[data-kind-fields]"), function (form) {
    showKind(form);
    form.addEventListener("change", function (event) {
      var select = form.querySelector("select[name=kind]");
      if (event.target.name === "file" && select && select.value === "text" && event.target.files.length) {
        // A file chosen for a lesson still of the default kind makes it a file lesson (a
        // video file, a video lesson): the choice shows, and can be changed back.
        var video = /^video\//.test(event.target.files[0].type);
        if (select.querySelector("option[value=" + (video ? "video" : "file") + "]")) {
          select.value = video ? "video" : "file";
        }
      }
      if (event.target.name === "kind" || event.target.name === "file") showKind(form);
    });
  });
})();
