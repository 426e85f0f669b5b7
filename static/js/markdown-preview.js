/* A live preview under each Markdown text box of the admin (textarea[data-markdown-preview]):
   the text is rendered by the server with the learner pages' renderer and sanitiser
   (courses.markdown), a moment after typing stops. Where the box also has
   data-image-upload, an image pasted or dropped into it is uploaded there and its
   Markdown inserted where the cursor is. */
(function () {
  "use strict";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
      body: body
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data.detail || data.error || "failed");
        return data;
      });
    });
  }

  function insert(box, text) {
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.selectionStart = box.selectionEnd = start + text.length;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upload(box, files, note) {
    Array.prototype.forEach.call(files, function (file) {
      if (!/^image\//.test(file.type)) return;
      var body = new FormData();
      body.append("image", file, file.name || "pasted.png");
      note.textContent = box.getAttribute("data-uploading") || "Uploading the image…";
      post(box.getAttribute("data-image-upload"), body).then(function (data) {
        insert(box, data.markdown);
        note.textContent = "";
      }).catch(function (error) {
        note.textContent = error.message;
      });
    });
  }

  function attach(box) {
    var preview = document.createElement("div");
    preview.className = "markdown-preview prose";
    preview.setAttribute("aria-live", "polite");
    preview.setAttribute("data-preview-of", box.name);
    var label = document.createElement("p");
    label.className = "text-xs";
    label.textContent = box.getAttribute("data-preview-label") || "Preview";
    var note = document.createElement("p");
    note.className = "text-xs builder-error";
    note.setAttribute("role", "status");
    box.insertAdjacentElement("afterend", preview);
    box.insertAdjacentElement("afterend", note);
    preview.insertAdjacentElement("beforebegin", label);
    var timer = null, last = null, asked = 0;
    function render() {
      if (box.value === last) return;
      last = box.value;
      var body = new FormData();
      body.append("text", box.value);
      var mine = ++asked;
      post(box.getAttribute("data-markdown-preview"), body).then(function (data) {
        // An answer to older text arriving after a newer one is dropped: the preview is
        // always of the latest text asked for.
        if (mine !== asked) return;
        // The server's sanitiser (an allow-list) made this HTML: it is safe to show.
        preview.innerHTML = data.html;
      }).catch(function () {});
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(render, 300);
    });
    if (box.getAttribute("data-image-upload")) {
      box.addEventListener("paste", function (event) {
        var files = event.clipboardData && event.clipboardData.files;
        if (files && files.length) {
          event.preventDefault();
          upload(box, files, note);
        }
      });
      box.addEventListener("drop", function (event) {
        var files = event.dataTransfer && event.dataTransfer.files;
        if (files && files.length) {
          event.preventDefault();
          upload(box, files, note);
        }
      });
    }
    render();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-markdown-preview]"), attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
