// Small behaviours on top of server-rendered pages; every page works without them.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests carry the session's CSRF token like forms do (as a header).
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });

  // <form data-confirm="Delete?"> and <button data-confirm="..."> ask before submitting.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message =
      (submitter && submitter.getAttribute("data-confirm")) ||
      event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // A link in the error summary puts the cursor into its field, not just scrolls to it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.focus();
      field.scrollIntoView({ block: "center" });
    }
  });

  // <button data-copy-target="id"> copies that field's value (an API key shown once).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    field.select();
    var done = function () {
      button.classList.add("btn-success");
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });

  // After a failed submit, move focus to the error summary so it is read out first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  });

  // <form data-import-upload data-link-url data-done-url>: the chosen file goes straight into
  // the file store through a link the server signs (S3 on AWS, whose API stops requests at
  // 10 MB), with a progress bar, and then its key is posted to data-done-url. Without scripts
  // the form posts the file itself.
  function uploadError(form, message) {
    var input = form.querySelector('input[type="file"]');
    var feedback = form.querySelector("[data-field-error]");
    if (!feedback) {
      feedback = document.createElement("div");
      feedback.className = "invalid-feedback";
      feedback.setAttribute("data-field-error", "");
      input.insertAdjacentElement("afterend", feedback);
    }
    input.classList.add("is-invalid");
    feedback.textContent = message;
    form.querySelector("[data-upload-progress]").hidden = true;
    form.querySelector('button[type="submit"]').disabled = false;
  }

  function uploadProgress(form, fraction) {
    var bar = form.querySelector("[data-upload-progress] .progress-bar");
    var percent = Math.round(fraction * 100);
    bar.style.width = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
    bar.textContent = percent + "%";
  }

  function postUploaded(form, key, fileName) {
    var done = document.createElement("form");
    done.method = "post";
    done.action = form.getAttribute("data-done-url");
    done.hidden = true;
    [["key", key], ["file_name", fileName], ["_csrf", csrfToken()]].forEach(function (pair) {
      var field = document.createElement("input");
      field.type = "hidden";
      field.name = pair[0];
      field.value = pair[1];
      done.appendChild(field);
    });
    document.body.appendChild(done);
    done.submit();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-import-upload][data-link-url]") || !window.fetch) {
      return;
    }
    var input = form.querySelector('input[type="file"]');
    var file = input && input.files && input.files[0];
    if (!file || event.defaultPrevented) {
      return;
    }
    event.preventDefault();
    var failed = form.getAttribute("data-upload-failed") || "Upload failed";
    form.querySelector('button[type="submit"]').disabled = true;
    form.querySelector("[data-upload-progress]").hidden = false;
    uploadProgress(form, 0);
    fetch(form.getAttribute("data-link-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-Token": csrfToken()
      },
      body: JSON.stringify({ file_name: file.name, size: file.size })
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, body: body };
        });
      })
      .then(function (answer) {
        if (!answer.ok) {
          uploadError(form, answer.body.detail || answer.body.title || failed);
          return;
        }
        var link = answer.body;
        var request = new XMLHttpRequest();
        request.open(link.method, link.url);
        request.setRequestHeader("Content-Type", link.content_type);
        request.upload.addEventListener("progress", function (progress) {
          if (progress.lengthComputable) {
            uploadProgress(form, progress.loaded / progress.total);
          }
        });
        request.addEventListener("load", function () {
          if (request.status >= 200 && request.status < 300) {
            uploadProgress(form, 1);
            postUploaded(form, link.key, file.name);
          } else {
            uploadError(form, failed);
          }
        });
        request.addEventListener("error", function () {
          uploadError(form, failed);
        });
        request.send(file);
      })
      .catch(function () {
        uploadError(form, failed);
      });
  });
})();
