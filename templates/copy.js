// Copy buttons: a button with data-copy="ID" copies the text of the element with that id.
// Progressive enhancement: the buttons are hidden until this script shows them. What a button
// says after copying comes from its data-copied and data-copy-failed attributes, which the page
// fills from the catalogue in its language.
document.querySelectorAll('button[data-copy]').forEach((b) => {
  const source = document.getElementById(b.dataset.copy);
  if (!source || !navigator.clipboard) return;
  const label = b.textContent;
  b.hidden = false;
  b.addEventListener('click', () => {
    navigator.clipboard.writeText(source.textContent.trim()).then(
      () => { b.textContent = b.dataset.copied || label; setTimeout(() => { b.textContent = label; }, 2000); },
      () => { b.textContent = b.dataset.copyFailed || label; },
    );
  });
});
