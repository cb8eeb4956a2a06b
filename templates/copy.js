// Copy buttons: a button with data-copy="ID" copies the text of the element with that id.
// Progressive enhancement: the buttons are hidden until this script shows them.
document.querySelectorAll('button[data-copy]').forEach((b) => {
  const source = document.getElementById(b.dataset.copy);
  if (!source || !navigator.clipboard) return;
  const label = b.textContent;
  b.hidden = false;
  b.addEventListener('click', () => {
    navigator.clipboard.writeText(source.textContent.trim()).then(
      () => { b.textContent = 'Copied'; setTimeout(() => { b.textContent = label; }, 2000); },
      () => { b.textContent = 'Could not copy'; },
    );
  });
});
