"""The HTML and JavaScript the template tags put in the page.

Everything variable goes into the inline scripts as JSON with ``<``, ``>``, ``&`` and the
JavaScript line terminators escaped (as ``json_script`` does), so no value can close the
script or break out of its string. Attributes are HTML-escaped.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

# What json_script escapes: enough that no JSON value can end the script element or
# terminate a JavaScript line inside a string.
_JS_ESCAPES = (
    ("<", "\\u003C"),
    (">", "\\u003E"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)

# The listener (section 2 of Convert's integration guide), posting to the ingest endpoint.
# It is called with {url, header, token, cookie, visitorId}: the CSRF token is ``token``, or
# read from the cookie named ``cookie`` when posting. It posts only what changed since its
# last post in this browser session, and never throws into the page.
LISTENER_JS = """(function(c){var q=window._conv_q=window._conv_q||[];
q.push({what:"addListener",params:{event:"snippet.experiences_evaluated",handler:function(){
try{var cv=window.convert||{},
d=(typeof cv.getCurrentVisitorData==="function"&&cv.getCurrentVisitorData())||{};
var id=d.visitorId||c.visitorId;if(id!==c.visitorId||!window.fetch)return;
var s=d.segments||(typeof cv.getVisitorSegments==="function"&&cv.getVisitorSegments())||{};
var b=Array.isArray(d.bucketing)?d.bucketing:[],e=[];
b.forEach(function(x){if(x&&x.experienceId&&x.variationId)e.push({experienceId:String(x.experienceId),variationId:String(x.variationId)})});
var body=JSON.stringify({visitorId:id,experiences:e,segments:{browser:s.browser||"OTH",
devices:s.devices||["OTHDEV"],source:s.source||"direct",visitorType:s.visitorType||"new",
country:s.country||"",campaign:s.campaign||"",customSegments:s.customSegments||[]}});
var k="django_convert:"+id,st=null;
try{st=window.sessionStorage;if(st.getItem(k)===body)return;st.setItem(k,body)}catch(x){st=null}
var forget=function(){try{if(st)st.removeItem(k)}catch(x){}};
var t=c.token;if(!t&&c.cookie)document.cookie.split(/;\\s*/).forEach(function(p){
if(p.indexOf(c.cookie+"=")===0)t=decodeURIComponent(p.slice(c.cookie.length+1))});
var h={"Content-Type":"application/json"};h[c.header]=t||"";
window.fetch(c.url,{method:"POST",headers:h,body:body,credentials:"same-origin",keepalive:true})
.then(function(r){if(!r.ok)forget()},forget)}catch(x){}}}})})("""
_LISTENER_END = ");"


def js_value(value: Any) -> str:
    """``value`` as a JavaScript literal that is safe inside an inline <script>."""
    # The default encoder (no options) is json's fast path; chained replace() beats
    # str.translate() when, as usual, there is nothing to escape.
    literal = json.dumps(value)
    for char, escaped in _JS_ESCAPES:
        if char in literal:
            literal = literal.replace(char, escaped)
    return literal


def identify_js(visitor_id: str) -> str:
    """Queue BYOID's ``identify`` before Convert's script drains ``window._conv_q``."""
    return (
        "window._conv_q=window._conv_q||[];"
        'window._conv_q.push({what:"identify",params:{visitorId:' + js_value(visitor_id) + "}});"
    )


def listener_js(
    *, url: str, header: str, token: str | None, cookie: str | None, visitor_id: str
) -> str:
    config = {"url": url, "header": header, "token": token, "cookie": cookie}
    config["visitorId"] = visitor_id
    return LISTENER_JS + js_value(config) + _LISTENER_END


def nonce_attribute(nonce: str | None) -> str:
    """`` nonce="..."`` for the script tags, or nothing without a nonce."""
    return f' nonce="{conditional_escape(nonce)}"' if nonce else ""


def inline_script(code: str, nonce_attr: str) -> SafeString:
    # ``code`` holds only our own JavaScript and js_value() output: nothing can close the tag.
    return mark_safe(f"<script{nonce_attr}>{code}</script>")  # noqa: S308


def src_attribute(src: str) -> str:
    return f' src="{conditional_escape(src)}"'


def external_script(src_attr: str, nonce_attr: str) -> SafeString:
    # Synchronous on purpose: Convert loads in the head, before the page renders (no flicker).
    return mark_safe(f"<script{src_attr}{nonce_attr}></script>")  # noqa: S308
